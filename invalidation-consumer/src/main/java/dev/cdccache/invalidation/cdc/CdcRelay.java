package dev.cdccache.invalidation.cdc;

import dev.cdccache.cache.CachedTable;
import dev.cdccache.cache.RowChange;
import dev.cdccache.invalidation.config.CdcConfig;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.source.SourceRecord;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Relay role: Debezium's embedded engine reads committed changes from the replication slot (pgoutput, filtered
 * publication) and publishes them to Kafka, one topic per table, keyed by primary key.
 *
 * <p>No loss: a batch's source offsets are marked processed only after Kafka acknowledged every record of it
 * ({@code acks=all}, idempotent producer), and the offset file is flushed after every batch. If the relay is down,
 * the slot keeps the WAL and the changes are published when it returns. Sends that fail are retried until they
 * succeed; the relay never skips a change.
 */
@ApplicationScoped
public class CdcRelay {

    private static final Logger LOG = Logger.getLogger(CdcRelay.class);

    private final CdcConfig config;
    private final KafkaClients kafka;
    private final MeterRegistry registry;
    private final AtomicLong lastHeartbeatCommitMs = new AtomicLong(-1);
    private final SlowChangeLog slowChanges;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private volatile DebeziumEngine<RecordChangeEvent<SourceRecord>> prepared;
    private volatile ExecutorService executor;
    private volatile KafkaProducer<String, String> producer;
    private volatile boolean running;
    private volatile String lastError;
    private volatile boolean delivering = true;
    private volatile boolean flushPending;
    private volatile boolean wanted;
    private volatile boolean failed;
    private volatile Thread takeover;
    private volatile StandbyWarmUp warmUp;
    private volatile Thread warmUpThread;
    /** Debezium's start path has not run in this process yet (neither a rehearsal nor a real engine's start). */
    private volatile boolean warming;
    /** Changes the standby's rehearsal decoded; -1 until it finished (or when it never ran: an active relay). */
    private volatile int warmUpDecoded = -1;

    private static final long TAKEOVER_POLL_MS = 100;
    private static final long QUIET_STANDBY_MS = 5000;
    /**
     * A streaming engine whose heartbeat row (written to PostgreSQL every second) has not come back this long is
     * reported once per silence, with what PostgreSQL says of the slot's holder: in the stalls of session 14 the
     * relay was waiting for the walsender's data.
     */
    private static final long SILENCE_REPORT_MS = 3000;
    /**
     * The same for an engine that has not streamed yet: its own walsender may hold the slot while Debezium starts,
     * which took over 5 s for a relay restarted on a loaded 2-core stack (LocalStackIT, 2026-12-03).
     */
    private static final long QUIET_STANDBY_STARTING_MS = 30_000;
    /** When the engine last started, handled a batch, or retried a send: proof that it streams. */
    private volatile long lastActivityMs;
    /**
     * A takeover loop's sleep that ends this much later than asked means this process did not run meanwhile (a
     * SIGSTOP, a paused machine): a GC pause of this relay is 70 ms at most (docs/measurements.md, session 15).
     */
    static final long OWN_STALL_MS = 1000;
    /** When the takeover loop last found that this process had not run (see {@link #OWN_STALL_MS}); 0 if never. */
    private volatile long resumedAtMs;
    /** The heartbeat commit time whose silence has been reported already. */
    private long silenceReported;
    /** When this engine was started, until its first batch: the takeover's cost, logged once per start. */
    private volatile long startedAtMs;
    /** The primary's flushed WAL position, read once per batch on the engine's thread (see {@link #stamp}). */
    private WalPosition primaryWal;

    public CdcRelay(CdcConfig config, KafkaClients kafka, MeterRegistry registry) {
        this.config = config;
        this.slowChanges = new SlowChangeLog(LOG::warn, config.slowChangeLog());
        this.kafka = kafka;
        this.registry = registry;
        this.warming = config.relay().standbyWarmUpRounds() > 0;
        this.slotWatch = new KeptConnection(
                jdbcUrl(), config.relay().dbUser(), config.relay().dbPassword());
        registry.gauge(
                "cdc.relay.heartbeat.age.ms",
                lastHeartbeatCommitMs,
                v -> v.get() < 0 ? Double.NaN : System.currentTimeMillis() - v.get());
        // At zero from the start, so the dead-letter alert sees "0", not "no data".
        Counter.builder("cdc.relay.dlq").register(registry);
    }

    void onStart(@Observes StartupEvent ev) throws Exception {
        if (config.relay().enabled()) {
            if (config.relay().resetOnStart()) {
                start(true);
            } else {
                standBy();
            }
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        stop();
    }

    /** What this relay is doing: streaming, waiting for the slot, stopped after a fatal error, or off. */
    public enum Role {
        /** The engine runs but has not delivered its first batch (the heartbeat makes one within a second). */
        STARTING,
        ACTIVE,
        /**
         * A standby rehearsing a takeover ({@link StandbyWarmUp}): it would take the slot if it were freed, but with a
         * cold engine, so it is not yet ready for its role.
         */
        WARMING,
        STANDBY,
        FAILED,
        STOPPED
    }

    public Role role() {
        if (isRunning()) {
            // Running is not streaming: a cold engine takes seconds to connect, load the schema and reach the slot
            // (2-3.5 s measured on a busy 2-core machine), and a takeover is only done when the first batch arrives.
            return startedAtMs != 0 ? Role.STARTING : Role.ACTIVE;
        }
        if (failed) {
            return Role.FAILED;
        }
        if (!wanted) {
            return Role.STOPPED;
        }
        return warming ? Role.WARMING : Role.STANDBY;
    }

    /**
     * Runs as a warm standby: the replication slot admits one reader, so every relay watches it and the first to see
     * it free starts streaming, from the offsets the previous one flushed (a shared offset file). After a kill -9 of
     * the active relay PostgreSQL frees the slot at once, and a standby streams again within about a second plus
     * the engine's start.
     */
    public synchronized void standBy() {
        wanted = true;
        failed = false;
        ensureTakeoverLoop();
    }

    public synchronized void start() throws Exception {
        start(config.relay().resetOnStart());
    }

    /**
     * Starts the engine now; with {@code reset}, first drops the slot and offsets and, once streaming, publishes a
     * flush of every key space (the documented recovery after a slot/offset mismatch). If another relay holds the
     * slot, this one becomes its standby.
     */
    public synchronized void start(boolean reset) throws Exception {
        wanted = true;
        failed = false;
        lastError = null;
        if (engine != null && running) {
            return;
        }
        cleanUpEngine();
        if (reset) {
            // Whoever streams first from the new slot publishes the flush: the marker travels with the offsets.
            Path marker = flushMarker();
            Files.createDirectories(marker.toAbsolutePath().getParent());
            Files.writeString(marker, "flush every key space once streaming from the new slot\n");
            resetSlotAndOffsets();
        }
        startEngine();
        ensureTakeoverLoop();
    }

    /**
     * Topics, producer and engine, built but not run: a standby does this while it waits, so a takeover only has to
     * run the engine (building it loads Debezium and costs seconds on a busy machine).
     */
    private void prepare() throws Exception {
        if (prepared != null) {
            return;
        }
        KafkaTopics.ensure(kafka, config);
        Files.createDirectories(
                Paths.get(config.relay().offsetFile()).toAbsolutePath().getParent());
        if (producer == null) {
            producer = kafka.producer(Map.of(
                    ProducerConfig.LINGER_MS_CONFIG, 0, // latency over batching: a batch is already one poll's worth
                    // A bulk change arrives as batches of 2,048 events; at the default 16 KiB per partition batch they
                    // went out as ~25 requests in turn, 100-240 ms per Debezium batch (docs/measurements.md).
                    ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000));
            // The first send of each topic would otherwise wait for its metadata: fetch it now, off the takeover.
            // Best effort: the topics were just ensured, and a send fetches what is missing anyway.
            try {
                for (String topic : KafkaTopics.all(config)) {
                    producer.partitionsFor(topic);
                }
            } catch (org.apache.kafka.common.KafkaException e) {
                LOG.debugf("topic metadata not fetched ahead (%s); the first send fetches it", e.getMessage());
            }
        }
        prepared = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(engineProps())
                .using((success, message, error) -> {
                    running = false;
                    if (!success) {
                        String why = message + (error == null ? "" : ": " + error.getMessage());
                        if (why.contains("is active for PID") || slotHeldByAnother()) {
                            // Another relay streams from the slot (it took it first, or took it over while this
                            // engine was retrying after a database restart, so this engine's offsets are behind):
                            // this one is its standby and reads the shared offsets again when it takes over.
                            LOG.infof("CDC relay: the slot is held by another relay; standing by");
                            return;
                        }
                        lastError = why;
                        failed = true;
                        LOG.errorf(
                                "CDC relay stopped: %s. If the slot or its offsets were lost, restart the relay "
                                        + "with cdc.relay.reset-on-start=true (make cdc-reset): it recreates the slot and "
                                        + "flushes every cache key space, since changes may have been missed.",
                                lastError);
                    }
                })
                .notifying(this::handleBatch)
                .build();
    }

    private void startEngine() throws Exception {
        CdcConfig.Relay relay = config.relay();
        prepare();
        engine = prepared;
        prepared = null;
        executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "cdc-relay-engine"));
        lastActivityMs = System.currentTimeMillis();
        startedAtMs = lastActivityMs;
        running = true;
        delivering = true;
        // Not at reset time: the engine creates the new slot later, on its own thread. A flush published before the
        // slot exists would let a change committed in between go uncaptured and unflushed. The first batch proves
        // streaming.
        flushPending = Files.exists(flushMarker());
        executor.execute(engine);
        LOG.infof(
                "CDC relay started: slot %s, publication %s, poll %s",
                relay.slotName(), relay.publication(), relay.pollInterval());
    }

    private synchronized void ensureTakeoverLoop() {
        if (takeover != null && takeover.isAlive()) {
            return;
        }
        takeover = new Thread(this::takeoverLoop, "cdc-relay-takeover");
        takeover.setDaemon(true);
        takeover.start();
    }

    private void takeoverLoop() {
        try {
            watchSlot();
        } finally {
            synchronized (this) {
                slotWatch.close();
            }
        }
    }

    private void watchSlot() {
        while (wanted) {
            try {
                synchronized (this) {
                    if (engine != null && !running) {
                        cleanUpEngine(); // an engine that ended (standing by, or failed)
                    }
                    long now = System.currentTimeMillis();
                    // Silence counts only while this process ran: nothing of it could stream while it was stopped.
                    long quietMs = now - Math.max(lastActivityMs, resumedAtMs);
                    long heartbeat = lastHeartbeatCommitMs.get();
                    long heartbeatAgeMs = now - Math.max(heartbeat, resumedAtMs);
                    if (engine != null
                            && running
                            && startedAtMs == 0
                            && heartbeat > 0
                            && heartbeatAgeMs > SILENCE_REPORT_MS
                            && silenceReported != heartbeat) {
                        silenceReported = heartbeat;
                        LOG.warnf(
                                "CDC relay: no heartbeat through PostgreSQL for %d ms (last batch %d ms ago); %s",
                                heartbeatAgeMs, quietMs, silenceEvidence());
                    }
                    long askedAt = System.nanoTime();
                    if (engine != null && running && tooQuiet(quietMs, startedAtMs == 0) && !slotFreeWatched()) {
                        // Running but silent (no batch, not even the 1 s heartbeat) while the slot is held: this
                        // engine is retrying inside Debezium after a database restart and another relay streams.
                        // Stand by, so a later takeover is this loop's 200 ms, not Debezium's retry cadence.
                        // What PostgreSQL says of the slot's holder goes with it: once (session 14) the holder was
                        // this relay's own walsender, silent for 17.6 s in a bulk, and this check came 12.6 s late.
                        LOG.infof(
                                "CDC relay: no batch for %d ms and the slot is held by another relay; standing by"
                                        + " (slot query %d ms); %s",
                                quietMs, (System.nanoTime() - askedAt) / 1_000_000, silenceEvidence());
                        cleanUpEngine();
                    }
                    if (wanted && !failed && engine == null) {
                        prepare();
                        if (slotFreeWatched()) {
                            StandbyWarmUp rehearsal = warmUp;
                            if (rehearsal != null) {
                                rehearsal.abort(); // it stops on its own thread; the takeover does not wait
                            }
                            LOG.info("CDC relay: the replication slot is free; taking over");
                            startEngine();
                        } else {
                            rehearseOnce();
                        }
                    }
                }
                sleepNoticingOwnStall();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                LOG.warnf("CDC relay takeover check failed (%s); retrying", e.getMessage());
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * The takeover loop's pause, which also notices when this process did not run: a sleep that ends seconds late
     * means the process (or the whole machine: this one is a microVM its host can pause) was stopped, and the engine's
     * silence meanwhile is not a sign that another relay holds the slot. Session 14's 17.6 s stall ended that way in
     * a needless failover: the loop woke 12.6 s past its silence rule, found the slot held (by this relay's own
     * walsender) and stood down. The silence rule and the heartbeat report count again from the resume.
     */
    private void sleepNoticingOwnStall() throws InterruptedException {
        long before = System.nanoTime();
        Thread.sleep(TAKEOVER_POLL_MS);
        long lateMs = (System.nanoTime() - before) / 1_000_000 - TAKEOVER_POLL_MS;
        if (lateMs >= OWN_STALL_MS) {
            resumedAtMs = System.currentTimeMillis();
            LOG.warnf(
                    "CDC relay: this process did not run for %d ms (it or the machine was stopped); its silence"
                            + " rule counts again from now",
                    lateMs);
        }
    }

    /**
     * Once per process, while standing by: run Debezium's start path on a throwaway slot ({@link StandbyWarmUp}), so
     * that a takeover starts a warm engine.
     */
    private void rehearseOnce() {
        if (!warming || warmUpThread != null) {
            return;
        }
        warmUpThread = new Thread(this::rehearse, "cdc-relay-warmup");
        warmUpThread.setDaemon(true);
        warmUpThread.start();
    }

    /**
     * Several rounds, since one start loads the classes but leaves their code interpreted: measured on a cold JVM
     * (CDS off), the first round took 1.4 s, and a takeover after one round still 1.5 s to its first batch.
     */
    private void rehearse() {
        CdcConfig.Relay r = config.relay();
        List<Long> roundsMs = new ArrayList<>();
        int decoded = 0;
        try {
            for (int i = 0; i < r.standbyWarmUpRounds() && wanted && engine == null; i++) {
                StandbyWarmUp round =
                        new StandbyWarmUp(engineProps(), r.slotName(), jdbcUrl(), r.dbUser(), r.dbPassword());
                warmUp = round;
                if (engine != null || !wanted) {
                    break; // took over (or stopped) between the check and the publication of this round
                }
                long t0 = System.currentTimeMillis();
                decoded += round.run(Duration.ofSeconds(60));
                roundsMs.add(System.currentTimeMillis() - t0);
            }
            LOG.infof(
                    "CDC relay warm-up: rehearsed a takeover on a throwaway slot, rounds %s ms (%d changes decoded)",
                    roundsMs, decoded);
        } catch (Exception e) {
            LOG.warnf("CDC relay warm-up failed (%s); a takeover starts a cold engine", e.getMessage());
        } finally {
            warmUp = null;
            warmUpDecoded = decoded;
            warming = false;
        }
    }

    /** Changes the standby's takeover rehearsals decoded; -1 while they run or if they never ran. */
    public int warmUpDecoded() {
        return warmUpDecoded;
    }

    /**
     * Whether an engine silent for {@code quietMs} while the slot is held should stand by. An engine that has
     * streamed and went silent is retrying inside Debezium while another relay holds the slot; one still starting
     * may hold the slot itself (a slot held is not a slot held by another), so it gets a start-up allowance.
     */
    static boolean tooQuiet(long quietMs, boolean hasStreamed) {
        return quietMs > (hasStreamed ? QUIET_STANDBY_MS : QUIET_STANDBY_STARTING_MS);
    }

    /**
     * True when another reader streams from the slot. This relay's engine has just ended, so its own walsender is on
     * its way out: a slot still held after a second is held by someone else.
     */
    private boolean slotHeldByAnother() {
        try {
            for (int i = 0; i < 10; i++) {
                if (slotFree()) {
                    return false;
                }
                Thread.sleep(100);
            }
            return true;
        } catch (java.sql.SQLException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** True when no reader holds the slot (or it does not exist yet: the engine creates it). */
    private boolean slotFree() throws java.sql.SQLException {
        return free(querySlot());
    }

    private static boolean free(SlotStatus slot) {
        return slot == null || !slot.active();
    }

    /** The takeover loop's own connection (its polls are frequent; see {@link KeptConnection}). */
    private final KeptConnection slotWatch;

    private boolean slotFreeWatched() throws java.sql.SQLException {
        return slotWatch.apply(c -> free(querySlot(c)));
    }

    private Path flushMarker() {
        return Paths.get(config.relay().offsetFile() + ".flush-pending");
    }

    public synchronized void stop() {
        wanted = false;
        StandbyWarmUp rehearsal = warmUp;
        if (rehearsal != null) {
            rehearsal.abort();
        }
        cleanUpEngine();
        if (prepared != null) {
            try {
                prepared.close();
            } catch (Exception e) {
                LOG.debugf("closing the unused standby engine: %s", e.getMessage());
            }
            prepared = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    private synchronized void cleanUpEngine() {
        if (engine == null) {
            return;
        }
        try {
            engine.close();
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("stopping the CDC engine", e);
        } finally {
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
            engine = null;
            running = false;
            if (primaryWal != null) {
                primaryWal.close();
                primaryWal = null;
            }
        }
    }

    public boolean isRunning() {
        return running && engine != null;
    }

    /** Why the relay is not publishing, as a category for health output (the log has the details); null if it is. */
    public String problem() {
        Role role = role();
        if (role == Role.STANDBY) {
            return null; // a healthy standby: the slot is held by the active relay
        }
        if (role == Role.STARTING) {
            return "starting: connecting to the slot, nothing streamed yet";
        }
        if (role == Role.WARMING) {
            return "standby warming up: rehearsing a takeover on a throwaway slot";
        }
        if (role != Role.ACTIVE) {
            String e = lastError;
            if (e == null) {
                return "stopped";
            }
            return e.contains("no longer available") || e.contains("offset")
                    ? "replication slot or its offsets lost: recover with make cdc-reset"
                    : "engine stopped with an error: see the relay log";
        }
        return delivering ? null : "Kafka does not acknowledge: retrying with offsets held back";
    }

    /** False while Kafka does not acknowledge what the relay sends (it retries, holding the offsets back). */
    public boolean isDelivering() {
        return delivering;
    }

    public String lastError() {
        return lastError;
    }

    public long lastHeartbeatCommitMs() {
        return lastHeartbeatCommitMs.get();
    }

    private void handleBatch(
            List<RecordChangeEvent<SourceRecord>> events,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        long receivedMs = System.currentTimeMillis();
        lastActivityMs = receivedMs;
        long t0 = System.nanoTime();
        long firstCommitTsMs = 0;
        if (startedAtMs != 0) {
            LOG.infof("CDC relay streaming: first batch %d ms after the engine started", lastActivityMs - startedAtMs);
            startedAtMs = 0;
            warming = false; // this process has run the start path: a later takeover is warm
        }
        List<ProducerRecord<String, String>> out = new ArrayList<>(events.size() + 2);
        boolean flushing = flushPending;
        if (flushing) {
            // Streaming from the new slot has begun (this batch came from it): whatever was committed before it
            // existed is covered by flushing every key space, and everything after is in the stream.
            for (CachedTable table : CachedTable.values()) {
                out.add(flushOf(table.table()));
            }
        }
        for (RecordChangeEvent<SourceRecord> e : events) {
            SourceRecord record = e.record();
            if (record.topic() == null || record.topic().startsWith("__debezium-heartbeat")) {
                continue;
            }
            RowChange change;
            try {
                change = ChangeEnvelope.fromConnect(record);
            } catch (ChangeEnvelope.Undecodable | RuntimeException bad) {
                out.addAll(deadLetter(record, String.valueOf(bad.getMessage())));
                continue;
            }
            if (change == null) {
                continue;
            }
            if (KafkaTopics.HEARTBEAT_TABLE.equals(change.table())) {
                lastHeartbeatCommitMs.set(change.commitTsMs());
            }
            if (firstCommitTsMs == 0) {
                firstCommitTsMs = change.commitTsMs();
            }
            String key = ChangeEnvelope.keyJson(change.key());
            out.add(new ProducerRecord<>(
                    KafkaTopics.forTable(config, change.table()),
                    key == null ? change.table() : key,
                    ChangeEnvelope.encode(change, System.currentTimeMillis())));
        }
        stamp(out);
        long t1 = System.nanoTime();
        long sendBlockedNanos = sendAll(out);
        long ackedMs = System.currentTimeMillis();
        if (firstCommitTsMs > 0 && slowChanges.slow(ackedMs - firstCommitTsMs)) {
            slowChanges.report(
                    ackedMs,
                    String.format(
                            Locale.ROOT,
                            "CDC relay: slow batch of %d changes: commit → acked by Kafka %d ms = commit → relay %d ms"
                                    + " + decode and stamp %d ms + produce and ack %d ms (of which inside send(), i.e."
                                    + " waiting for metadata or buffer space: %d ms)",
                            events.size(),
                            ackedMs - firstCommitTsMs,
                            receivedMs - firstCommitTsMs,
                            (t1 - t0) / 1_000_000,
                            (System.nanoTime() - t1) / 1_000_000,
                            sendBlockedNanos / 1_000_000));
        }
        if (events.size() >= 500) {
            // Where a bulk change's time goes, per batch (the invalidators log their side the same way).
            LOG.infof(
                    "CDC relay: %d events → %d records: decode %d ms, produce+ack %d ms, commit → acked %d ms",
                    events.size(),
                    out.size(),
                    (t1 - t0) / 1_000_000,
                    (System.nanoTime() - t1) / 1_000_000,
                    firstCommitTsMs > 0 ? System.currentTimeMillis() - firstCommitTsMs : -1);
        }
        if (flushing) {
            flushPending = false;
            try {
                Files.deleteIfExists(flushMarker());
            } catch (java.io.IOException e) {
                LOG.warnf(
                        "could not delete %s (%s): the next relay to stream will flush again, which is safe",
                        flushMarker(), e.getMessage());
            }
            LOG.warn(
                    "CDC relay reset: streaming from the new slot; published a flush of every key space to all regions");
        }
        for (RecordChangeEvent<SourceRecord> e : events) {
            committer.markProcessed(e);
        }
        committer.markBatchFinished();
    }

    /**
     * A change the relay cannot translate: the raw event goes to the dead-letter topic with its reason, and its
     * table's key spaces are flushed in every region (a truncate record on its topic), since its keys are unknown.
     */
    private List<ProducerRecord<String, String>> deadLetter(SourceRecord e, String reason) {
        ProducerRecord<String, String> dead = new ProducerRecord<>(
                config.dlqTopic(),
                ChangeEnvelope.rawJson(e.topic(), e.keySchema(), e.key()),
                ChangeEnvelope.rawJson(e.topic(), e.valueSchema(), e.value()));
        dead.headers().add("dlq.reason", reason.getBytes(StandardCharsets.UTF_8));
        dead.headers().add("dlq.source", ("relay:" + e.topic()).getBytes(StandardCharsets.UTF_8));
        String prefix = config.topicPrefix() + ".public.";
        String table = e.topic().startsWith(prefix) ? e.topic().substring(prefix.length()) : null;
        Counter.builder("cdc.relay.dlq").register(registry).increment();
        LOG.warnf(
                "CDC relay: event of %s sent to %s (%s); flushing that table's key spaces",
                e.topic(), config.dlqTopic(), reason);
        if (table == null || KafkaTopics.HEARTBEAT_TABLE.equals(table)) {
            return List.of(dead);
        }
        dead.headers().add("dlq.compensation", ("flush " + table).getBytes(StandardCharsets.UTF_8));
        return List.of(dead, flushOf(table));
    }

    /** Debezium's table list, from the one declaration of the tables under CDC. */
    static String tableIncludeList() {
        return String.join(
                ",",
                KafkaTopics.capturedTables().stream().map(t -> "public." + t).toList());
    }

    /**
     * Debezium's column list: of each cached table only what an invalidation reads — its key column and {@code
     * version} (the remote markers' ordering) — and of the heartbeat its key. The other columns were turned into
     * Connect structs and JSON and parsed again here for nothing: the relay's CPU per bulk fell by 30 %. PostgreSQL
     * still sends whole rows, and Debezium still resolves every column's value before the filter drops it.
     */
    static String columnIncludeList() {
        List<String> columns = new ArrayList<>();
        for (CachedTable t : CachedTable.values()) {
            columns.add("public\\." + t.table() + "\\.(" + t.keyColumn() + "|version)");
        }
        columns.add("public\\." + KafkaTopics.HEARTBEAT_TABLE + "\\.id");
        return String.join(",", columns);
    }

    private ProducerRecord<String, String> flushOf(String table) {
        long now = System.currentTimeMillis();
        RowChange truncate = new RowChange(table, RowChange.Op.TRUNCATE, Map.of(), -1, now, -1);
        return new ProducerRecord<>(KafkaTopics.forTable(config, table), table, ChangeEnvelope.encode(truncate, now));
    }

    /**
     * Stamps every record of the batch with {@link KafkaTopics#VISIBLE_LSN_HEADER}: a WAL position read from the
     * primary after these changes arrived, so at or past each one's commit record. A change record's own LSN is not
     * its transaction's commit LSN; a replica that has replayed up to this stamp has the whole transaction visible,
     * which is what a region's replica gate waits for. Retried until the primary answers (without it no replica
     * region could invalidate safely; the stream itself comes from the primary, so the wait is short in practice).
     */
    private void stamp(List<ProducerRecord<String, String>> out) throws InterruptedException {
        if (out.isEmpty()) {
            return;
        }
        long backoff = 50;
        long lsn;
        while (true) {
            try {
                if (primaryWal == null) {
                    CdcConfig.Relay r = config.relay();
                    primaryWal = new WalPosition(jdbcUrl(), r.dbUser(), r.dbPassword(), WalPosition.PRIMARY_FLUSHED);
                }
                lsn = primaryWal.read();
                break;
            } catch (java.sql.SQLException e) {
                LOG.warnf("reading the primary's WAL position failed (%s); retrying in %d ms", e.getMessage(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 2000);
            }
        }
        byte[] value = Long.toString(lsn).getBytes(StandardCharsets.UTF_8);
        for (ProducerRecord<String, String> r : out) {
            r.headers().add(KafkaTopics.VISIBLE_LSN_HEADER, value);
        }
    }

    /**
     * Sends and waits for every acknowledgement; retries failures forever (the offsets wait with them). Returns the
     * time spent inside {@code send()} itself: the producer blocks there only for topic metadata or buffer space, so
     * a slow batch says whether the broker was slow to acknowledge or the producer could not even enqueue.
     */
    private long sendAll(List<ProducerRecord<String, String>> records) throws InterruptedException {
        List<ProducerRecord<String, String>> pending = records;
        long backoff = 100;
        long blockedNanos = 0;
        while (!pending.isEmpty()) {
            lastActivityMs = System.currentTimeMillis(); // retrying a send is activity: the slot is ours
            List<Future<RecordMetadata>> futures = new ArrayList<>(pending.size());
            long sendStart = System.nanoTime();
            for (ProducerRecord<String, String> r : pending) {
                futures.add(producer.send(r));
            }
            blockedNanos += System.nanoTime() - sendStart;
            List<ProducerRecord<String, String>> failed = new ArrayList<>();
            Map<String, Integer> delivered = new HashMap<>();
            String failure = null;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    futures.get(i).get();
                    delivered.merge(pending.get(i).topic(), 1, Integer::sum);
                } catch (java.util.concurrent.ExecutionException ex) {
                    failed.add(pending.get(i));
                    failure = ex.getCause().getClass().getSimpleName();
                }
            }
            delivered.forEach(this::count);
            delivering = failed.isEmpty();
            if (!failed.isEmpty()) {
                LOG.warnf(
                        "%d records not acknowledged by Kafka (%s); retrying in %d ms (offsets are held back)",
                        failed.size(), failure, backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5000);
            }
            pending = failed;
        }
        return blockedNanos;
    }

    private void count(String topic, int records) {
        Counter.builder("cdc.relay.records")
                .tag("topic", topic)
                .register(registry)
                .increment(records);
    }

    /**
     * The slot as PostgreSQL sees it: {@code wal_status} ({@code reserved}, {@code extended}, {@code unreserved} =
     * past {@code max_slot_wal_keep_size} and about to be lost, {@code lost}) and the WAL it retains.
     */
    public record SlotStatus(boolean active, String walStatus, long retainedBytes) {
        public boolean breached() {
            return "unreserved".equals(walStatus) || "lost".equals(walStatus);
        }
    }

    /** Null when the slot does not exist (yet) or the database does not answer. */
    public SlotStatus slotStatus() {
        try {
            return querySlot();
        } catch (java.sql.SQLException e) {
            return null;
        }
    }

    /** Null when the slot does not exist (yet). */
    private SlotStatus querySlot() throws java.sql.SQLException {
        try (Connection c = connect()) {
            return querySlot(c);
        }
    }

    private SlotStatus querySlot(Connection c) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT active, wal_status, "
                + "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), 0)::bigint "
                + "FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, config.relay().slotName());
            try (var rs = ps.executeQuery()) {
                return rs.next() ? new SlotStatus(rs.getBoolean(1), rs.getString(2), rs.getLong(3)) : null;
            }
        }
    }

    /** What a silent relay logs: the slot holder as PostgreSQL sees it and where its own streaming threads are. */
    private String silenceEvidence() {
        return "slot holder: " + describeSlotHolder() + "; streaming threads:" + StreamingThreads.describe(6);
    }

    /**
     * The process holding the slot as PostgreSQL sees it: its pid, what it waits on, the WAL its reader has not
     * confirmed and the reader's port (this relay's own connection or another's). For the silence log lines only;
     * never throws. (pg_stat_replication's positions are hidden from a role without pg_read_all_stats.)
     */
    private String describeSlotHolder() {
        try {
            return slotWatch.apply(c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT s.active_pid, a.wait_event_type, a.wait_event, "
                        + "pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint, a.client_port "
                        + "FROM pg_replication_slots s "
                        + "LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid WHERE s.slot_name = ?")) {
                    ps.setString(1, config.relay().slotName());
                    try (var rs = ps.executeQuery()) {
                        return rs.next()
                                ? String.format(
                                        "walsender pid %s waiting on %s/%s, %s bytes of WAL not confirmed by its"
                                                + " reader, client port %s",
                                        rs.getObject(1),
                                        rs.getString(2),
                                        rs.getString(3),
                                        rs.getObject(4),
                                        rs.getObject(5))
                                : "no such slot";
                    }
                }
            });
        } catch (Exception e) {
            return "not available (" + e.getMessage() + ")";
        }
    }

    private Connection connect() throws java.sql.SQLException {
        CdcConfig.Relay relay = config.relay();
        return KeptConnection.open(jdbcUrl(), relay.dbUser(), relay.dbPassword());
    }

    private void resetSlotAndOffsets() throws Exception {
        CdcConfig.Relay relay = config.relay();
        Files.deleteIfExists(Paths.get(relay.offsetFile()));
        try (Connection c = connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, relay.slotName());
            ps.execute();
        }
        LOG.warnf("CDC relay reset: dropped slot %s and its offsets", relay.slotName());
    }

    private String jdbcUrl() {
        CdcConfig.Relay r = config.relay();
        return "jdbc:postgresql://" + r.dbHost() + ":" + r.dbPort() + "/" + r.dbName();
    }

    private Properties engineProps() {
        CdcConfig.Relay r = config.relay();
        Path offsets = Paths.get(r.offsetFile()).toAbsolutePath();
        Properties p = new Properties();
        p.setProperty("name", "cdc-relay");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", offsets.toString());
        p.setProperty("offset.flush.interval.ms", "0"); // flush after every batch
        p.setProperty("database.hostname", r.dbHost());
        p.setProperty("database.port", String.valueOf(r.dbPort()));
        p.setProperty("database.user", r.dbUser());
        p.setProperty("database.password", r.dbPassword());
        p.setProperty("database.dbname", r.dbName());
        p.setProperty("topic.prefix", config.topicPrefix());
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", r.slotName());
        p.setProperty("publication.name", r.publication());
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", tableIncludeList());
        p.setProperty("column.include.list", columnIncludeList());
        // Caches only need changes from now on; existing rows are not replayed.
        p.setProperty("snapshot.mode", "no_data");
        // Truncates are skipped by default; a truncate must flush its table's key space.
        p.setProperty("skipped.operations", "none");
        p.setProperty("poll.interval.ms", String.valueOf(r.pollInterval().toMillis()));
        p.setProperty("max.batch.size", String.valueOf(r.maxBatchSize()));
        p.setProperty("max.queue.size", String.valueOf(Math.max(8192, r.maxBatchSize() * 4)));
        p.setProperty(
                "heartbeat.interval.ms", String.valueOf(r.heartbeatInterval().toMillis()));
        p.setProperty("heartbeat.action.query", KafkaTopics.HEARTBEAT_UPDATE);
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("errors.max.retries", "-1");
        // After a database restart the slot goes to whichever relay reconnects first; the other must notice quickly
        // that it is held (and become the standby) rather than wait 10 s between attempts (the defaults).
        p.setProperty("slot.retry.delay.ms", "500");
        p.setProperty("retriable.restart.connector.wait.ms", "1000");
        return p;
    }
}
