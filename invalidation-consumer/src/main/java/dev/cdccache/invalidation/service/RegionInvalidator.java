package dev.cdccache.invalidation.service;

import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.RegionInvalidation;
import dev.cdccache.cache.RowChange;
import dev.cdccache.invalidation.cdc.ChangeEnvelope;
import dev.cdccache.invalidation.cdc.KafkaClients;
import dev.cdccache.invalidation.cdc.KafkaTopics;
import dev.cdccache.invalidation.cdc.SlowChangeLog;
import dev.cdccache.invalidation.config.CdcConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Invalidator of one region: Kafka → {@link KeyMapper} → (in a region that reads a replica: the {@link ReplicaGate})
 * → DEL (keys, leases, remote markers) in the region's Redis and one L1 eviction message per poll. Offsets are committed only after the invalidation succeeded; re-delivered records are
 * harmless (DEL is idempotent).
 *
 * <p>It never stops for good while the process runs. A supervisor recreates the consumer after any failure (with
 * backoff) and resumes from the committed offsets. While a step cannot complete (Redis down, the dead-letter topic
 * unreachable) the consumer's partitions are paused and it keeps polling, so it stays a live group member however
 * long the outage lasts. A record that decodes but cannot be mapped goes to the dead-letter topic and its table's
 * whole key space is flushed in this region: a poison change must neither leave a stale key nor stop the loop.
 */
public final class RegionInvalidator implements Runnable {

    private static final Logger LOG = Logger.getLogger(RegionInvalidator.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final long MAX_BACKOFF_MS = 2000;

    /** What the loop is doing, for readiness: only {@link #INVALIDATING} and {@link #STANDBY} are ready. */
    public enum State {
        STARTING,
        JOINING,
        INVALIDATING,
        STANDBY,
        RETRYING,
        RECOVERING,
        STOPPED;

        public boolean ready() {
            return this == INVALIDATING || this == STANDBY;
        }
    }

    private final String region;
    private final KafkaClients kafka;
    private final CdcConfig config;
    private final RegionInvalidation cache;
    private final MeterRegistry registry;
    /** Null in a region that reads the primary (or with the gate switched off). */
    private final ReplicaGate gate;

    private final InvalidatorHook hook;
    private final String memberId;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicLong lastHeartbeatCommitMs = new AtomicLong(-1);
    /** Wall-clock ms of the loop's last turn; liveness goes DOWN when it is older than the stuck bound. */
    private final AtomicLong lastTickMs = new AtomicLong(System.currentTimeMillis());

    private final SlowChangeLog slowChanges;

    private final Map<String, Timer> lagTimers = new ConcurrentHashMap<>();
    private final Map<String, Timer> stageTimers = new ConcurrentHashMap<>();
    private final Map<String, Counter> recordCounters = new ConcurrentHashMap<>();
    private final Counter retries;
    private final Counter dlqCount;
    private final Counter restarts;
    private final Counter compensations;
    private final Counter commitFailures;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile State state = State.STOPPED;
    private volatile String lastProblem;
    private volatile Thread thread;

    public RegionInvalidator(
            String region,
            String memberId,
            KafkaClients kafka,
            CdcConfig config,
            RegionInvalidation cache,
            MeterRegistry registry,
            ReplicaGate gate,
            InvalidatorHook hook) {
        this.region = region;
        this.memberId = memberId;
        this.kafka = kafka;
        this.config = config;
        this.cache = cache;
        this.registry = registry;
        this.gate = gate;
        this.hook = hook;
        this.slowChanges = new SlowChangeLog(LOG::warn, config.slowChangeLog());
        List<Tag> tags = List.of(Tag.of("region", region));
        registry.gauge(
                "cdc.invalidator.heartbeat.age.ms",
                tags,
                lastHeartbeatCommitMs,
                v -> v.get() < 0 ? Double.NaN : System.currentTimeMillis() - v.get());
        registry.gauge("cdc.invalidator.consumer.lag", tags, this, RegionInvalidator::consumerLag);
        registry.gauge("cdc.invalidator.ready", tags, this, r -> r.state.ready() ? 1 : 0);
        dlqCount = Counter.builder("cdc.invalidator.dlq").tags(tags).register(registry);
        retries = Counter.builder("cdc.invalidator.retries").tags(tags).register(registry);
        restarts = Counter.builder("cdc.invalidator.restarts")
                .description("consumer recreated by the supervisor after a failure")
                .tags(tags)
                .register(registry);
        compensations = Counter.builder("cdc.invalidator.compensating.flushes")
                .description("key spaces flushed for a change that could not be mapped")
                .tags(tags)
                .register(registry);
        commitFailures = Counter.builder("cdc.invalidator.commit.failures")
                .description("offset commits refused (rebalance, timeout): the records are re-delivered")
                .tags(tags)
                .register(registry);
    }

    public synchronized void start() {
        if (running.get()) {
            return;
        }
        running.set(true);
        state = State.STARTING;
        lastTickMs.set(System.currentTimeMillis());
        thread = new Thread(this, "invalidator-" + region + "-" + memberId);
        thread.start();
    }

    /**
     * Stops the loop without committing what it has not invalidated: the group re-delivers those records to the
     * next consumer, as after a crash.
     */
    public void stop() throws InterruptedException {
        running.set(false);
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    public boolean isRunning() {
        Thread t = thread;
        return running.get() && t != null && t.isAlive();
    }

    public State state() {
        return isRunning() ? state : State.STOPPED;
    }

    /** Why the loop is not invalidating right now (null when it is); no exception text, only a category. */
    public String problem() {
        return state().ready() ? null : lastProblem;
    }

    public long millisSinceLastTick() {
        return System.currentTimeMillis() - lastTickMs.get();
    }

    public String region() {
        return region;
    }

    public String memberId() {
        return memberId;
    }

    @Override
    public void run() {
        long backoff = 100;
        while (running.get()) {
            try {
                consume();
                backoff = 100;
            } catch (WakeupException e) {
                // stop() asked us to leave; the loop condition ends it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (!running.get()) {
                    break;
                }
                restarts.increment();
                state = State.RECOVERING;
                lastProblem = "consumer failed (" + e.getClass().getSimpleName() + "); recreating it";
                LOG.errorf(
                        e,
                        "invalidator %s/%s: consumer failed; recreating it in %d ms and resuming from the "
                                + "committed offsets",
                        region,
                        memberId,
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
        state = State.STOPPED;
    }

    /** One consumer's life: returns only when stopped; throws on any failure so the supervisor starts another. */
    private void consume() throws InterruptedException {
        try (KafkaConsumer<String, String> c = newConsumer();
                KafkaProducer<String, String> dlq = newDlqProducer()) {
            consumer = c;
            state = State.JOINING;
            Membership listener = new Membership(
                    c,
                    moved -> hook.partitionsRevoked(region, memberId, moved),
                    added -> hook.partitionsAssigned(region, memberId, added));
            c.subscribe(Pattern.compile(Pattern.quote(config.topicPrefix() + ".public.") + ".*"), listener);
            while (running.get()) {
                tick();
                ConsumerRecords<String, String> records = c.poll(POLL);
                if (listener.joined) {
                    state = c.assignment().isEmpty() ? State.STANDBY : State.INVALIDATING;
                    lastProblem = null;
                }
                if (records.isEmpty()) {
                    continue;
                }
                hook.batchReceived(region, memberId, records.count());
                handle(c, listener, records, dlq);
            }
        } finally {
            consumer = null;
        }
    }

    private void handle(
            KafkaConsumer<String, String> c,
            Membership listener,
            ConsumerRecords<String, String> records,
            KafkaProducer<String, String> dlq)
            throws InterruptedException {
        long t0 = System.nanoTime();
        long receivedAtMs = System.currentTimeMillis();
        Batch batch = Batch.of(records, config.topicPrefix());
        for (RowChange change : batch.changes()) {
            if (KafkaTopics.HEARTBEAT_TABLE.equals(change.table())) {
                lastHeartbeatCommitMs.accumulateAndGet(change.commitTsMs(), Math::max);
            }
        }
        if (gate != null && batch.visibleLsn() > 0) {
            untilDone(c, listener, gate::problem, () -> awaitReplica(batch.visibleLsn()), open -> open);
        }
        long t1 = System.nanoTime();
        long deleteFromMs = System.currentTimeMillis();
        for (Batch.DeadLetter d : batch.deadLetters()) {
            untilDone(c, listener, () -> "dead-letter topic unreachable", () -> deadLetter(dlq, d), sent -> sent);
            dlqCount.increment();
            if (!d.compensation().isEmpty()) {
                compensations.increment();
            }
            LOG.warnf(
                    "invalidator %s: record %s/%d@%d sent to %s (%s); compensating flush %s",
                    region,
                    d.record().topic(),
                    d.record().partition(),
                    d.record().offset(),
                    config.dlqTopic(),
                    d.reason(),
                    d.compensation().prefixes());
        }
        CacheInvalidator.Result result = untilDone(
                c,
                listener,
                () -> "region Redis unavailable",
                () -> cache.invalidator().invalidate(batch.invalidation()),
                CacheInvalidator.Result::complete);
        long t2 = System.nanoTime();
        commit(c, records);
        int slowest = -1;
        for (int i = 0; i < batch.changes().size(); i++) {
            RowChange change = batch.changes().get(i);
            if (change.commitTsMs() > 0 && !KafkaTopics.HEARTBEAT_TABLE.equals(change.table())) {
                if (slowest < 0
                        || change.commitTsMs() < batch.changes().get(slowest).commitTsMs()) {
                    slowest = i;
                }
                lag("del", change.table())
                        .record(Math.max(0, result.l2DoneAtMs() - change.commitTsMs()), TimeUnit.MILLISECONDS);
                lag("l1", change.table())
                        .record(Math.max(0, result.l1DoneAtMs() - change.commitTsMs()), TimeUnit.MILLISECONDS);
                Stages stages = Stages.of(batch, i, receivedAtMs, deleteFromMs, result);
                stage("relay", stages.relay());
                stage("kafka", stages.kafka());
                if (gate != null) {
                    stage("replica-gate", stages.gate());
                }
                stage("del", stages.del());
                stage("broadcast", stages.broadcast());
            }
            recordCounter(change).increment();
        }
        if (slowest >= 0) {
            reportIfSlow(batch, slowest, receivedAtMs, deleteFromMs, result);
        }
        if (batch.changes().size() >= 500) {
            LOG.infof(
                    "invalidator %s: %d changes → %d keys: decode+map %d ms, DEL+L1 %d ms",
                    region,
                    batch.changes().size(),
                    batch.invalidation().keys().size(),
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000);
        }
    }

    /**
     * Runs {@code step} until it succeeds. Between attempts the partitions are paused and the consumer keeps
     * polling (no records come back), so the group does not evict it however long the outage lasts. Partitions
     * assigned meanwhile are paused by the listener; records that arrive anyway are sought back.
     */
    private <T> T untilDone(
            KafkaConsumer<String, String> c,
            Membership listener,
            Supplier<String> problem,
            Supplier<T> attempt,
            Predicate<T> done) {
        long backoff = 50;
        boolean paused = false;
        try {
            T outcome;
            while (!done.test(outcome = attempt.get())) {
                if (!running.get()) {
                    throw new WakeupException(); // leave without committing
                }
                if (!paused) {
                    c.pause(c.assignment());
                    listener.pauseNewAssignments = true;
                    paused = true;
                }
                state = State.RETRYING;
                lastProblem = problem.get();
                retries.increment();
                long until = System.currentTimeMillis() + backoff;
                while (System.currentTimeMillis() < until) {
                    tick();
                    seekBack(
                            c,
                            c.poll(Duration.ofMillis(
                                    Math.max(1, Math.min(POLL.toMillis(), until - System.currentTimeMillis())))));
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
            return outcome;
        } finally {
            if (paused) {
                listener.pauseNewAssignments = false;
                c.resume(c.paused());
                state = State.INVALIDATING;
                lastProblem = null;
            }
        }
    }

    private static void seekBack(KafkaConsumer<String, String> c, ConsumerRecords<String, String> unexpected) {
        for (TopicPartition tp : unexpected.partitions()) {
            c.seek(tp, unexpected.records(tp).get(0).offset());
            c.pause(List.of(tp));
        }
    }

    /**
     * Commits what was invalidated, for the partitions this consumer still owns. A refused commit (rebalance, broker
     * timeout) is not an error: those records are re-delivered and invalidated again.
     */
    private void commit(KafkaConsumer<String, String> c, ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        var owned = c.assignment();
        for (TopicPartition tp : records.partitions()) {
            if (owned.contains(tp)) {
                List<ConsumerRecord<String, String>> rs = records.records(tp);
                offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            c.commitSync(offsets, COMMIT_TIMEOUT);
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            commitFailures.increment();
            LOG.warnf(
                    "invalidator %s/%s: offset commit refused (%s); the records will be re-delivered",
                    region, memberId, e.getClass().getSimpleName());
        }
    }

    private boolean awaitReplica(long lsn) {
        try {
            return gate.awaitReplayed(lsn, config.invalidator().gateMaxWait());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    private boolean deadLetter(KafkaProducer<String, String> dlq, Batch.DeadLetter d) {
        ConsumerRecord<String, String> r = d.record();
        ProducerRecord<String, String> out = new ProducerRecord<>(config.dlqTopic(), r.key(), r.value());
        out.headers().add("dlq.reason", d.reason().getBytes(StandardCharsets.UTF_8));
        out.headers()
                .add(
                        "dlq.source",
                        (r.topic() + "/" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
        out.headers().add("dlq.region", region.getBytes(StandardCharsets.UTF_8));
        out.headers()
                .add(
                        "dlq.compensation",
                        String.join(",", d.compensation().prefixes()).getBytes(StandardCharsets.UTF_8));
        try {
            dlq.send(out).get(10, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        } catch (Exception e) {
            LOG.warnf("invalidator %s: dead-letter publish failed (%s); retrying", region, e.getMessage());
            return false;
        }
    }

    private void tick() {
        lastTickMs.set(System.currentTimeMillis());
    }

    private KafkaConsumer<String, String> newConsumer() {
        CdcConfig.Invalidator inv = config.invalidator();
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, inv.groupPrefix() + "-" + region);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, inv.groupPrefix() + "-" + region + "-" + memberId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, inv.maxPollRecords());
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int)
                inv.maxPollInterval().toMillis());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int)
                inv.sessionTimeout().toMillis());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int)
                Math.max(100, inv.sessionTimeout().toMillis() / 3));
        // Incremental cooperative rebalancing: when a member joins or leaves, the others keep consuming the
        // partitions they keep. The default list starts with the eager RangeAssignor, under which every membership
        // change stopped the whole region's invalidation for the rebalance (measured: ~2 s of a 2 s bound).
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        // Return as soon as one byte is there; the wait only bounds an idle long-poll.
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5000);
        return kafka.consumer(p);
    }

    private KafkaProducer<String, String> newDlqProducer() {
        return kafka.producer(Map.of(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000));
    }

    /**
     * Where a change's time went, stage by stage: commit → relay hands it to Kafka (the record's create time) →
     * received here → replica gate passed → DEL done → L1 broadcast done. One clock on the local stack; across hosts,
     * skew enters.
     */
    private record Stages(long total, long relay, long kafka, long gate, long del, long broadcast) {
        static Stages of(Batch batch, int i, long receivedAtMs, long deleteFromMs, CacheInvalidator.Result result) {
            long commit = batch.changes().get(i).commitTsMs();
            long published = batch.publishedAtMs().get(i);
            return new Stages(
                    result.l1DoneAtMs() - commit,
                    published - commit,
                    receivedAtMs - published,
                    deleteFromMs - receivedAtMs,
                    result.l2DoneAtMs() - deleteFromMs,
                    result.l1DoneAtMs() - result.l2DoneAtMs());
        }
    }

    /** The oldest change of a batch, when it took longer than {@code cdc.slow-change-log}: where its time went. */
    private void reportIfSlow(
            Batch batch, int i, long receivedAtMs, long deleteFromMs, CacheInvalidator.Result result) {
        Stages stages = Stages.of(batch, i, receivedAtMs, deleteFromMs, result);
        if (!slowChanges.slow(stages.total())) {
            return;
        }
        RowChange change = batch.changes().get(i);
        slowChanges.report(
                result.l1DoneAtMs(),
                String.format(
                        java.util.Locale.ROOT,
                        "invalidator %s/%s: slow change %s %s (%d changes in the batch): commit → L1 evicted %d ms ="
                                + " relay %d + Kafka %d + replica gate %d + DEL %d + broadcast %d ms",
                        region,
                        memberId,
                        change.table(),
                        change.key(),
                        batch.changes().size(),
                        stages.total(),
                        stages.relay(),
                        stages.kafka(),
                        stages.gate(),
                        stages.del(),
                        stages.broadcast()));
    }

    /** {@code cdc.stage.lag}: commit → relay → Kafka → (replica gate) → DEL → L1 broadcast, one timer per stage. */
    private void stage(String stage, long millis) {
        stageTimers
                .computeIfAbsent(
                        stage,
                        st -> Timer.builder("cdc.stage.lag")
                                .description("time a change spends in one stage of the invalidation path")
                                .tag("region", region)
                                .tag("stage", st)
                                .register(registry))
                .record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    private Timer lag(String stage, String table) {
        return lagTimers.computeIfAbsent(
                stage + '/' + table,
                k -> Timer.builder("cdc.invalidation.lag")
                        .description("source commit to " + stage + " done")
                        .tag("region", region)
                        .tag("table", table)
                        .tag("stage", stage)
                        .publishPercentileHistogram()
                        .register(registry));
    }

    private Counter recordCounter(RowChange change) {
        return recordCounters.computeIfAbsent(
                change.table() + '/' + change.op(),
                k -> Counter.builder("cdc.invalidator.records")
                        .tag("region", region)
                        .tag("table", change.table())
                        .tag("op", change.op().name())
                        .register(registry));
    }

    private double consumerLag() {
        KafkaConsumer<String, String> c = consumer;
        if (c == null) {
            return Double.NaN;
        }
        try {
            for (Map.Entry<MetricName, ? extends Metric> e : c.metrics().entrySet()) {
                if ("records-lag-max".equals(e.getKey().name())
                        && e.getKey().tags().size() == 1) {
                    Object v = e.getValue().metricValue();
                    return v instanceof Number n ? n.doubleValue() : Double.NaN;
                }
            }
        } catch (RuntimeException ignored) {
            // the consumer is single-threaded; a concurrent call may be refused
        }
        return Double.NaN;
    }

    /** Tracks group membership and pauses partitions assigned while a step is being retried. */
    static final class Membership implements ConsumerRebalanceListener {
        volatile boolean joined;
        volatile boolean pauseNewAssignments;
        private final KafkaConsumer<?, ?> consumer;
        private final Consumer<Collection<TopicPartition>> revoked;
        private final Consumer<Collection<TopicPartition>> assigned;

        Membership(
                KafkaConsumer<?, ?> consumer,
                Consumer<Collection<TopicPartition>> revoked,
                Consumer<Collection<TopicPartition>> assigned) {
            this.consumer = consumer;
            this.revoked = revoked;
            this.assigned = assigned;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Cooperative rebalancing: only the partitions that move to another member, never all of them.
            if (!partitions.isEmpty()) {
                revoked.accept(partitions);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            if (!partitions.isEmpty()) {
                assigned.accept(partitions);
            }
            if (pauseNewAssignments) {
                consumer.pause(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            joined = false;
        }
    }

    /**
     * One poll's records, classified: the changes to invalidate, and the records that cannot be invalidated as they
     * are (dead letters), each with the compensating flush of its table's key spaces.
     */
    /**
     * @param publishedAtMs per change (same order), when the relay handed it to Kafka (the record's create time)
     */
    /**
     * @param visibleLsn    the highest visible-position stamp of the batch's records (-1: none stamped); the
     *                      replica gate waits for it
     */
    record Batch(
            List<RowChange> changes,
            List<Long> publishedAtMs,
            List<DeadLetter> deadLetters,
            KeyMapper.Invalidation invalidation,
            long visibleLsn) {

        record DeadLetter(ConsumerRecord<String, String> record, String reason, KeyMapper.Invalidation compensation) {}

        static Batch of(ConsumerRecords<String, String> records, String topicPrefix) {
            List<RowChange> changes = new ArrayList<>(records.count());
            List<Long> published = new ArrayList<>(records.count());
            List<DeadLetter> dead = new ArrayList<>();
            List<KeyMapper.Invalidation> invalidations = new ArrayList<>(records.count());
            String tablePrefix = topicPrefix + ".public.";
            long visible = -1;
            for (ConsumerRecord<String, String> r : records) {
                visible = Math.max(visible, visibleLsn(r));
                String topicTable =
                        r.topic().startsWith(tablePrefix) ? r.topic().substring(tablePrefix.length()) : r.topic();
                String reason;
                try {
                    RowChange change = ChangeEnvelope.decode(r.value());
                    if (!topicTable.equals(change.table())) {
                        reason = "table " + change.table() + " on the topic of " + topicTable;
                    } else {
                        invalidations.add(KeyMapper.map(change));
                        changes.add(change);
                        published.add(r.timestamp());
                        continue;
                    }
                } catch (ChangeEnvelope.Undecodable e) {
                    reason = e.getMessage();
                } catch (RuntimeException e) {
                    // decodes, but does not map (missing or non-numeric key column)
                    reason = "unmappable: " + e.getMessage();
                }
                KeyMapper.Invalidation compensation = KeyMapper.keySpacesOf(topicTable);
                dead.add(new DeadLetter(r, reason, compensation));
                invalidations.add(compensation);
            }
            return new Batch(changes, published, dead, KeyMapper.merge(invalidations), visible);
        }

        /**
         * The relay's stamp; -1 for a record without one (published by something other than the relay): it passes
         * the gate unchecked, since nothing says which commit it belongs to.
         */
        static long visibleLsn(ConsumerRecord<String, String> r) {
            org.apache.kafka.common.header.Header h = r.headers().lastHeader(KafkaTopics.VISIBLE_LSN_HEADER);
            if (h == null) {
                return -1;
            }
            try {
                return Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
