package dev.cdccache.console.service;

import dev.cdccache.console.config.ConsoleConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last writes and, for each, one lane per read instance: when it first served the write's version (ms after
 * the write answered, from the first look that saw it), from which tier, and whether that was inside the bound the
 * faults in force at the write allow.
 */
@ApplicationScoped
public class WriteLog {

    private static final int KEPT = 10;

    /** {@code ms} null while not fresh yet; {@code held} null until decided. */
    public record Lane(String instance, String region, String path, long boundMs, Long ms, String tier, Boolean held) {}

    public record Write(
            int seq,
            long productId,
            String via,
            long version,
            long answeredAtMs,
            String faults,
            boolean done,
            List<Lane> lanes) {}

    private final ConsoleConfig config;
    private final Deque<Write> writes = new ArrayDeque<>();
    private int seq;

    public WriteLog(ConsoleConfig config) {
        this.config = config;
    }

    /** Opens a write's lanes, with each lane's expected path and bound under {@code faults}. */
    public synchronized Write open(
            long productId,
            String via,
            String writerRegion,
            long version,
            long answeredAtMs,
            Faults.State faults,
            List<Topology.Reader> readers) {
        List<Lane> lanes = new ArrayList<>();
        for (Topology.Reader r : readers) {
            boolean eu = "eu".equals(r.region());
            boolean writePath = writerRegion != null && writerRegion.equals(r.region()) && !faults.dropDels();
            boolean lagged = faults.replicaLag() && eu && !writePath;
            long bound = writePath
                    ? config.bounds().writePath().toMillis()
                    : config.bounds().cdc().toMillis();
            String path = writePath ? "write path" : lagged ? "CDC + replica" : "CDC";
            if (lagged) {
                bound += faults.replicaLagMs();
            }
            if (faults.dropL1()) {
                bound = Math.max(bound, config.bounds().l1Ttl().toMillis());
            }
            if (eu && faults.stopRedisEu()) {
                // Nothing cached in eu: every read is a database read (the replica, or the primary under a marker).
                path = "database (eu Redis down)";
                bound = config.bounds().cdc().toMillis() + (faults.replicaLag() ? faults.replicaLagMs() : 0);
            } else if (eu && faults.pauseEuInvalidation() && !writePath) {
                // Stale until the invalidators are resumed: the watch window is the bound the page can check.
                path = "CDC after resume";
                bound = config.writeTimeout().toMillis();
            }
            lanes.add(new Lane(r.name(), r.region(), path, bound, null, null, null));
        }
        Write w = new Write(++seq, productId, via, version, answeredAtMs, describe(faults), false, List.copyOf(lanes));
        writes.addFirst(w);
        while (writes.size() > KEPT) {
            writes.removeLast();
        }
        return w;
    }

    private static String describe(Faults.State f) {
        List<String> on = new ArrayList<>();
        if (f.dropDels()) {
            on.add("DELs dropped");
        }
        if (f.dropL1()) {
            on.add("L1 broadcasts dropped");
        }
        if (f.replicaLag()) {
            on.add("eu replica " + f.replicaLagMs() + " ms behind");
        }
        if (f.stopRedisEu()) {
            on.add("eu Redis stopped");
        }
        if (f.pauseEuInvalidation()) {
            on.add("eu invalidators paused");
        }
        return on.isEmpty() ? "none" : String.join(", ", on);
    }

    /** Marks lanes fresh from one look at the product; closes writes whose lanes are all decided. */
    public synchronized void observed(Prober.Observation o) {
        List<Write> updated = new ArrayList<>();
        for (Write w : writes) {
            if (w.done() || w.productId() != o.productId()) {
                updated.add(w);
                continue;
            }
            Map<String, Prober.InstanceState> byName = new LinkedHashMap<>();
            o.instances().forEach(i -> byName.put(i.name(), i));
            long since = Math.max(0, o.startedAtMs() - w.answeredAtMs());
            boolean timedOut =
                    o.startedAtMs() - w.answeredAtMs() > config.writeTimeout().toMillis();
            List<Lane> lanes = new ArrayList<>();
            boolean allDecided = true;
            for (Lane l : w.lanes()) {
                Prober.InstanceState s = byName.get(l.instance());
                if (l.ms() == null && s != null && s.version() >= w.version()) {
                    l = new Lane(
                            l.instance(), l.region(), l.path(), l.boundMs(), since, s.tier(), since <= l.boundMs());
                } else if (l.ms() == null && timedOut) {
                    l = new Lane(l.instance(), l.region(), l.path(), l.boundMs(), null, null, false);
                }
                allDecided &= l.held() != null;
                lanes.add(l);
            }
            updated.add(new Write(
                    w.seq(),
                    w.productId(),
                    w.via(),
                    w.version(),
                    w.answeredAtMs(),
                    w.faults(),
                    allDecided,
                    List.copyOf(lanes)));
        }
        writes.clear();
        writes.addAll(updated);
    }

    public synchronized boolean open(long productId) {
        return writes.stream().anyMatch(w -> !w.done() && w.productId() == productId);
    }

    public synchronized List<Write> recent(long productId) {
        return writes.stream().filter(w -> w.productId() == productId).toList();
    }
}
