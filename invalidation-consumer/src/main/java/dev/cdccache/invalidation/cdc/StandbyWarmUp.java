package dev.cdccache.invalidation.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.apache.kafka.connect.source.SourceRecord;
import org.jboss.logging.Logger;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A standby's rehearsal of a takeover: Debezium's whole start path (connector start, type registry and schema load,
 * replication connection, pgoutput decoding, JSON conversion, the relay's own decode) run once on a throwaway slot,
 * then stopped and the slot dropped.
 *
 * <p>Why: building the engine ahead of time is not enough. The first start of Debezium in a JVM loads and initialises
 * thousands of classes; a standby started moments before the active relay was killed needed 7.2 s to stream (the
 * 20-repetition nemesis right after a cold {@code make up}, docs/measurements.md session 8) against a median 584 ms
 * once warm. The rehearsal pays that cost while nothing depends on it.
 *
 * <p>The throwaway slot is a real logical slot (Debezium 3.6 never creates temporary ones): it is dropped when the
 * rehearsal stops ({@code slot.drop.on.stop}), and one left behind by a kill -9 mid-rehearsal is dropped by the next
 * rehearsal; until then {@code max_slot_wal_keep_size} bounds the WAL it can hold. It reads the same publication
 * without altering it, keeps its offsets in memory, publishes nothing and runs no heartbeat query.
 */
final class StandbyWarmUp {

    private static final Logger LOG = Logger.getLogger(StandbyWarmUp.class);

    /** Throwaway slots are named {@code <relay slot>_warmup_<pid>}; every inactive one is a leftover. */
    static final String SLOT_INFIX = "_warmup_";

    private final Properties relayProps;
    private final String relaySlot;
    private final String slot;
    /** The round's connection for its repeated statements (a touch every 100 ms, the drop's retries). */
    private final KeptConnection db;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final AtomicInteger decoded = new AtomicInteger();

    StandbyWarmUp(Properties relayProps, String relaySlot, String jdbcUrl, String user, String password) {
        this.relayProps = relayProps;
        this.relaySlot = relaySlot;
        this.slot = relaySlot + SLOT_INFIX + ProcessHandle.current().pid();
        this.db = new KeptConnection(jdbcUrl, user, password);
    }

    /**
     * Streams on the throwaway slot until a change has gone through the whole path, {@link #abort} is called or
     * {@code deadline} passes; then stops and drops the slot. Returns the changes decoded (0: not warmed).
     */
    int run(Duration deadline) throws Exception {
        try {
            dropInactiveLeftovers();
            stream(deadline);
        } finally {
            db.close();
        }
        return decoded.get();
    }

    private void stream(Duration deadline) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-relay-warmup-engine"));
        DebeziumEngine<RecordChangeEvent<SourceRecord>> engine = DebeziumEngine.create(
                        ChangeEventFormat.of(Connect.class))
                .using(props())
                .using((success, message, error) -> finished.countDown())
                .notifying(this::handleBatch)
                .build();
        try {
            executor.execute(engine);
            long until = System.nanoTime() + deadline.toNanos();
            // A change to stream, without waiting for the active relay's next heartbeat (1 s on an idle database):
            // touch the heartbeat row until one has come through. Its only reader is the lag gauge.
            while (!finished.await(TOUCH_EVERY_MS, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() > until) {
                    LOG.warnf("CDC relay warm-up: no change streamed within %s; stopping it", deadline);
                    break;
                }
                touchHeartbeatRow();
            }
        } finally {
            engine.close();
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            dropSlot(slot);
        }
    }

    private static final long TOUCH_EVERY_MS = 100;

    private void touchHeartbeatRow() {
        try {
            db.apply(c -> {
                try (PreparedStatement ps = c.prepareStatement(KafkaTopics.HEARTBEAT_UPDATE)) {
                    return ps.executeUpdate();
                }
            });
        } catch (SQLException e) {
            LOG.debugf("CDC relay warm-up: heartbeat row not touched (%s)", e.getMessage());
        }
    }

    /** Ends the rehearsal early: the slot became free and the real engine starts now. */
    void abort() {
        finished.countDown();
    }

    private void handleBatch(
            List<RecordChangeEvent<SourceRecord>> events,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        for (RecordChangeEvent<SourceRecord> e : events) {
            try {
                if (ChangeEnvelope.fromConnect(e.record()) != null) {
                    decoded.incrementAndGet();
                }
            } catch (ChangeEnvelope.Undecodable ignored) {
                // The rehearsal publishes nothing; the active relay dead-letters this change.
            }
            committer.markProcessed(e);
        }
        committer.markBatchFinished();
        if (decoded.get() > 0) {
            finished.countDown();
        }
    }

    private Properties props() {
        Properties p = new Properties();
        p.putAll(relayProps);
        p.setProperty("name", "cdc-relay-warmup");
        // Its own metrics names: the relay's engine registers the same MBeans under the relay's prefix.
        p.setProperty("topic.prefix", relayProps.getProperty("topic.prefix") + "-warmup");
        p.setProperty("slot.name", slot);
        p.setProperty("slot.drop.on.stop", "true");
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        p.remove("offset.storage.file.filename");
        p.setProperty("heartbeat.interval.ms", "0");
        p.remove("heartbeat.action.query");
        return p;
    }

    private void dropInactiveLeftovers() {
        try {
            int n = db.apply(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) "
                        + "FROM pg_replication_slots WHERE NOT active AND starts_with(slot_name, ?)")) {
                    ps.setString(1, relaySlot + SLOT_INFIX);
                    int dropped = 0;
                    try (var rs = ps.executeQuery()) {
                        while (rs.next()) {
                            dropped++;
                        }
                    }
                    return dropped;
                }
            });
            if (n > 0) {
                LOG.infof("CDC relay warm-up: dropped %d slot(s) a killed rehearsal left behind", n);
            }
        } catch (SQLException e) {
            LOG.warnf("CDC relay warm-up: could not drop leftover slots (%s)", e.getMessage());
        }
    }

    /** Drops this rehearsal's slot if Debezium did not; its walsender may take a moment to let go of it. */
    private void dropSlot(String name) throws InterruptedException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                boolean held = db.apply(c -> {
                    try (PreparedStatement ps = c.prepareStatement("SELECT active, CASE WHEN NOT active THEN "
                            + "pg_drop_replication_slot(slot_name) IS NULL END FROM pg_replication_slots "
                            + "WHERE slot_name = ?")) {
                        ps.setString(1, name);
                        try (var rs = ps.executeQuery()) {
                            return rs.next() && rs.getBoolean(1);
                        }
                    }
                });
                if (!held) {
                    return;
                }
            } catch (SQLException e) {
                LOG.warnf(
                        "CDC relay warm-up: could not drop slot %s (%s); the next rehearsal drops it",
                        name, e.getMessage());
                return;
            }
            Thread.sleep(100);
        }
        LOG.warnf("CDC relay warm-up: slot %s still in use after 5 s; the next rehearsal drops it", name);
    }
}
