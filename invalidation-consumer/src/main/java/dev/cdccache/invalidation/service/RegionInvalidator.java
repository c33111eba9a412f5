package dev.cdccache.invalidation.service;

import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import dev.cdccache.invalidation.cdc.ChangeEnvelope;
import dev.cdccache.invalidation.cdc.KafkaTopics;
import dev.cdccache.invalidation.config.CdcConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Invalidator of one region: Kafka → {@link KeyMapper} → DEL (keys + leases) in the region's Redis and one L1
 * eviction message per poll. Kafka offsets are committed only after the invalidation succeeded; until then it
 * retries, so a Redis outage delays invalidations but loses none. Re-delivered records are harmless (DEL is
 * idempotent).
 */
public final class RegionInvalidator implements Runnable {

    private static final Logger LOG = Logger.getLogger(RegionInvalidator.class);

    private final String region;
    private final String bootstrap;
    private final CdcConfig config;
    private final RegionCache cache;
    private final MeterRegistry registry;
    private final Duration wanDelay;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean crashBeforeNextInvalidation = new AtomicBoolean();
    private final AtomicLong lastHeartbeatCommitMs = new AtomicLong(-1);
    /** Meters per table/stage/op, registered once: a bulk poll records thousands of changes. */
    private final Map<String, Timer> lagTimers = new ConcurrentHashMap<>();
    private final Map<String, Counter> recordCounters = new ConcurrentHashMap<>();
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean assigned;
    private volatile Thread thread;

    public RegionInvalidator(String region, String bootstrap, CdcConfig config, RegionCache cache, MeterRegistry registry,
                             Duration wanDelay) {
        this.region = region;
        this.bootstrap = bootstrap;
        this.config = config;
        this.cache = cache;
        this.registry = registry;
        this.wanDelay = wanDelay;
        registry.gauge("cdc.invalidator.heartbeat.age.ms", List.of(io.micrometer.core.instrument.Tag.of("region", region)),
                lastHeartbeatCommitMs, v -> v.get() < 0 ? Double.NaN : System.currentTimeMillis() - v.get());
        Counter.builder("cdc.invalidator.dlq").tag("region", region).register(registry);
        Counter.builder("cdc.invalidator.retries").tag("region", region).register(registry);
        registry.gauge("cdc.invalidator.consumer.lag", List.of(io.micrometer.core.instrument.Tag.of("region", region)),
                this, RegionInvalidator::consumerLag);
    }

    public synchronized void start() {
        if (running.get()) {
            return;
        }
        running.set(true);
        thread = new Thread(this, "invalidator-" + region);
        thread.start();
    }

    /** Stops the loop; uncommitted records are re-delivered to the next consumer of the group. */
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

    /** Test hook: the next batch is received and then the process "dies" before invalidating or committing it. */
    public void crashBeforeNextInvalidation() {
        crashBeforeNextInvalidation.set(true);
    }

    public boolean isRunning() {
        Thread t = thread;
        return running.get() && t != null && t.isAlive();
    }

    public boolean isAssigned() {
        return assigned;
    }

    public String region() {
        return region;
    }

    @Override
    public void run() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.invalidator().groupPrefix() + "-" + region);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.invalidator().maxPollRecords());
        // Return as soon as one byte is there; the wait only bounds an idle long-poll.
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Properties dp = new Properties();
        dp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        dp.put(ProducerConfig.ACKS_CONFIG, "all");
        dp.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        dp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        dp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p); KafkaProducer<String, String> dlq = new KafkaProducer<>(dp)) {
            consumer = c;
            c.subscribe(Pattern.compile(Pattern.quote(config.topicPrefix() + ".public.") + ".*"));
            while (running.get()) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                assigned = !c.assignment().isEmpty();
                if (records.isEmpty()) {
                    continue;
                }
                if (crashBeforeNextInvalidation.compareAndSet(true, false)) {
                    LOG.warnf("invalidator %s: simulated crash with %d records received, none invalidated or committed",
                            region, records.count());
                    running.set(false);
                    return; // closing without commit: the group re-delivers these records
                }
                handle(records, dlq);
                c.commitSync();
            }
        } catch (WakeupException e) {
            // stop() asked us to leave
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "invalidator %s stopped", region);
        } finally {
            consumer = null;
            assigned = false;
            running.set(false);
        }
    }

    private void handle(ConsumerRecords<String, String> records, KafkaProducer<String, String> dlq) throws InterruptedException {
        long t0 = System.nanoTime();
        List<RowChange> changes = new ArrayList<>(records.count());
        for (ConsumerRecord<String, String> r : records) {
            try {
                RowChange change = ChangeEnvelope.decode(r.value());
                changes.add(change);
                if (KafkaTopics.HEARTBEAT_TABLE.equals(change.table())) {
                    lastHeartbeatCommitMs.accumulateAndGet(change.commitTsMs(), Math::max);
                }
            } catch (ChangeEnvelope.Undecodable bad) {
                deadLetter(dlq, r, bad.getMessage());
            }
        }
        long t1 = System.nanoTime();
        if (!wanDelay.isZero()) {
            Thread.sleep(wanDelay.toMillis()); // simulated WAN hop to this region (documented as a simulation)
        }
        long t1b = System.nanoTime();
        KeyMapper.Invalidation inv = KeyMapper.mapAll(changes);
        long t2 = System.nanoTime();
        CacheInvalidator.Result result = invalidateUntilDone(inv);
        long t3 = System.nanoTime();
        for (RowChange change : changes) {
            if (change.commitTsMs() > 0 && !KafkaTopics.HEARTBEAT_TABLE.equals(change.table())) {
                lag("del", change.table()).record(Math.max(0, result.l2DoneAtMs() - change.commitTsMs()), TimeUnit.MILLISECONDS);
                lag("l1", change.table()).record(Math.max(0, result.l1DoneAtMs() - change.commitTsMs()), TimeUnit.MILLISECONDS);
            }
            recordCounter(change).increment();
        }
        if (changes.size() >= 500) {
            LOG.infof("invalidator %s: %d changes → %d keys: decode %d ms, map %d ms, DEL+L1 %d ms, metrics %d ms",
                    region, changes.size(), inv.keys().size(), (t1 - t0) / 1_000_000, (t2 - t1b) / 1_000_000,
                    (t3 - t2) / 1_000_000, (System.nanoTime() - t3) / 1_000_000);
        }
    }

    private CacheInvalidator.Result invalidateUntilDone(KeyMapper.Invalidation inv) throws InterruptedException {
        long backoff = 50;
        while (true) {
            CacheInvalidator.Result r = cache.invalidator().invalidate(inv);
            if (r.complete()) {
                return r;
            }
            if (!running.get()) {
                throw new WakeupException(); // leave without committing
            }
            Counter.builder("cdc.invalidator.retries").tag("region", region).register(registry).increment();
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, 2000);
        }
    }

    private void deadLetter(KafkaProducer<String, String> dlq, ConsumerRecord<String, String> r, String reason) {
        ProducerRecord<String, String> out = new ProducerRecord<>(config.dlqTopic(), r.key(), r.value());
        out.headers().add("dlq.reason", reason.getBytes(StandardCharsets.UTF_8));
        out.headers().add("dlq.source", (r.topic() + "/" + r.partition() + "@" + r.offset()).getBytes(StandardCharsets.UTF_8));
        out.headers().add("dlq.region", region.getBytes(StandardCharsets.UTF_8));
        try {
            dlq.send(out).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Not acknowledged: fail the batch so it is retried rather than silently dropping the record.
            throw new IllegalStateException("dead-letter publish failed", e);
        }
        Counter.builder("cdc.invalidator.dlq").tag("region", region).register(registry).increment();
        LOG.warnf("invalidator %s: record %s/%d@%d sent to %s: %s", region, r.topic(), r.partition(), r.offset(),
                config.dlqTopic(), reason);
    }

    private Timer lag(String stage, String table) {
        return lagTimers.computeIfAbsent(stage + '/' + table, k -> Timer.builder("cdc.invalidation.lag")
                .description("source commit to " + stage + " done")
                .tag("region", region).tag("table", table).tag("stage", stage)
                .publishPercentileHistogram()
                .register(registry));
    }

    private Counter recordCounter(RowChange change) {
        return recordCounters.computeIfAbsent(change.table() + '/' + change.op(), k -> Counter.builder("cdc.invalidator.records")
                .tag("region", region).tag("table", change.table()).tag("op", change.op().name())
                .register(registry));
    }

    private double consumerLag() {
        KafkaConsumer<String, String> c = consumer;
        if (c == null) {
            return Double.NaN;
        }
        try {
            for (Map.Entry<MetricName, ? extends Metric> e : c.metrics().entrySet()) {
                if ("records-lag-max".equals(e.getKey().name()) && e.getKey().tags().size() == 1) {
                    Object v = e.getValue().metricValue();
                    return v instanceof Number n ? n.doubleValue() : Double.NaN;
                }
            }
        } catch (RuntimeException ignored) {
            // the consumer is single-threaded; a concurrent call may be refused
        }
        return Double.NaN;
    }
}
