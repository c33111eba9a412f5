package dev.cdccache.console.service;

import dev.cdccache.console.config.ConsoleConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Looks at each watched product every poll interval, on one thread, and pushes what it saw to every page watching
 * it. However many pages are open, a product is looked at once per interval, and at most {@code console.max-watched}
 * products at once: the console never floods the instances it observes.
 */
@ApplicationScoped
public class Watches {

    /** What a page receives on each look. */
    public record Snapshot(Prober.Observation observation, List<WriteLog.Write> writes, Faults.State faults) {}

    /** A page asked to watch one product more than the cap allows. */
    public static final class TooMany extends RuntimeException {
        public TooMany(String message) {
            super(message, null, false, false);
        }
    }

    private final ConsoleConfig config;
    private final Prober prober;
    private final WriteLog log;
    private final Faults faults;
    private final Map<Long, List<MultiEmitter<? super Snapshot>>> watchers = new ConcurrentHashMap<>();
    private final Set<Long> pendingLooks = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticker;

    public Watches(ConsoleConfig config, Prober prober, WriteLog log, Faults faults) {
        this.config = config;
        this.prober = prober;
        this.log = log;
        this.faults = faults;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-watch");
            t.setDaemon(true);
            return t;
        });
        long every = config.pollInterval().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    public Multi<Snapshot> watch(long productId) {
        synchronized (watchers) {
            if (!watchers.containsKey(productId) && watchers.size() >= config.maxWatched()) {
                throw new TooMany("the console watches at most " + config.maxWatched()
                        + " products at once; close a page watching another one");
            }
            watchers.computeIfAbsent(productId, id -> new CopyOnWriteArrayList<>());
        }
        return Multi.createFrom().emitter(emitter -> {
            watchers.computeIfAbsent(productId, id -> new CopyOnWriteArrayList<>())
                    .add(emitter);
            emitter.onTermination(() -> {
                synchronized (watchers) {
                    List<MultiEmitter<? super Snapshot>> list = watchers.get(productId);
                    if (list != null) {
                        list.remove(emitter);
                        if (list.isEmpty()) {
                            watchers.remove(productId);
                        }
                    }
                }
            });
        });
    }

    /** A look right now (on the caller's thread): the first look after a write answered. */
    public void lookNow(long productId) {
        publish(productId, prober.observe(productId));
    }

    private void tick() {
        try {
            Set<Long> due = new java.util.HashSet<>(watchers.keySet());
            pendingLooks.removeIf(id -> {
                due.add(id);
                return true;
            });
            for (long id : due) {
                publish(id, prober.observe(id));
                if (log.open(id)) {
                    pendingLooks.add(id); // nobody may watch it, but its lanes must still be decided
                }
            }
        } catch (RuntimeException e) {
            // one failed look must not end the ticker; the next one tries again
        }
    }

    private void publish(long productId, Prober.Observation o) {
        log.observed(o);
        List<MultiEmitter<? super Snapshot>> list = watchers.get(productId);
        if (list == null || list.isEmpty()) {
            if (log.open(productId)) {
                pendingLooks.add(productId);
            }
            return;
        }
        Snapshot s = new Snapshot(o, log.recent(productId), faults.state());
        list.forEach(e -> e.emit(s));
    }

    void stop(@Observes ShutdownEvent ev) {
        ticker.shutdownNow();
    }
}
