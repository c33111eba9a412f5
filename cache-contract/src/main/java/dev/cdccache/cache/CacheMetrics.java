package dev.cdccache.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/** Counters for every decision the layered cache takes; names are the contract the dashboards read. */
public final class CacheMetrics {

    private final MeterRegistry registry;
    private final String region;
    /** cache.reads by [data class][tier]: counted on every read, so looked up once, not per request. */
    private final Counter[][] reads = new Counter[DataClass.values().length][CachedValue.Source.values().length];

    public CacheMetrics(MeterRegistry registry, String region) {
        this.registry = registry;
        this.region = region;
        preRegister();
    }

    /** Registers every series at zero, so dashboards and alerts see "0", not "no data", before the first event. */
    private void preRegister() {
        for (DataClass dc : DataClass.values()) {
            for (CachedValue.Source tier : CachedValue.Source.values()) {
                reads[dc.ordinal()][tier.ordinal()] =
                        counter("cache.reads", "tier", tier.name(), "data_class", dc.name());
            }
            counter("cache.db.loads", "data_class", dc.name());
            counter("cache.lease.waits", "data_class", dc.name());
            counter("cache.lease.wait.timeouts", "data_class", dc.name());
            counter("cache.fills.rejected", "tier", "L2", "data_class", dc.name());
        }
        counter("cache.fills.rejected", "tier", "L1", "data_class", "ANY");
        for (String op : new String[] {"read", "fill"}) {
            for (String cause : new String[] {"timeout", "circuit-open", "error"}) {
                counter("cache.l2.unavailable", "op", op, "cause", cause);
            }
        }
        counter("cache.dels.failed");
        counter("cache.dels");
        counter("cache.l1.lease.lapses");
        for (String reason : new String[] {
            "resubscribed",
            "subscription-lost",
            "subscription-stalled",
            "liveness-restored",
            "sequence-gap",
            "requested",
            "malformed"
        }) {
            counter("cache.l1.flushes", "reason", reason);
        }
        for (String what : new String[] {"del", "l1-broadcast"}) {
            counter("cache.chaos.dropped", "what", what);
        }
        counter("cache.l1.broadcast.failed");
        counter("cache.l1.broadcast.ack.timeouts");
        counter("cache.l1.evictions.received");
        for (DataClass dc : DataClass.values()) {
            for (CachedValue.Source tier : new CachedValue.Source[] {CachedValue.Source.L1, CachedValue.Source.L2}) {
                counter("cache.consistency.checks", "tier", tier.name(), "data_class", dc.name());
                counter("cache.inconsistencies", "tier", tier.name(), "data_class", dc.name());
                counter("cache.consistency.suspects", "tier", tier.name(), "data_class", dc.name());
                staleness(tier, dc);
            }
        }
        for (DataClass dc : DataClass.values()) {
            for (String outcome : new String[] {"refreshed", "lease-held", "rejected", "failed", "dropped"}) {
                counter("cache.early.refreshes", "data_class", dc.name(), "outcome", outcome);
            }
        }
        for (DataClass dc : DataClass.values()) {
            counter("cache.cross.instance.checks", "data_class", dc.name());
            counter("cache.cross.instance.divergences", "data_class", dc.name());
        }
        for (String reason : new String[] {"rate-limited", "queue-full", "source-unavailable"}) {
            counter("cache.consistency.skipped", "reason", reason);
        }
    }

    /** The sampler's window gauges: fraction of checks within budget, and that as "nines". */
    void registerConsistency(DoubleSupplier ratio, DoubleSupplier nines) {
        // Strong references: the suppliers are lambdas nothing else holds.
        Gauge.builder("cache.consistency.ratio", ratio, DoubleSupplier::getAsDouble)
                .strongReference(true)
                .tags(withRegion(new String[0]))
                .register(registry);
        Gauge.builder("cache.consistency.nines", nines, DoubleSupplier::getAsDouble)
                .strongReference(true)
                .tags(withRegion(new String[0]))
                .register(registry);
    }

    /** A sampled hit checked against the primary once its budget had passed. */
    void consistencyCheck(CachedValue.Source tier, DataClass dc, boolean inconsistent) {
        counter("cache.consistency.checks", "tier", tier.name(), "data_class", dc.name())
                .increment();
        if (inconsistent) {
            counter("cache.inconsistencies", "tier", tier.name(), "data_class", dc.name())
                    .increment();
        }
    }

    /**
     * A sampled entry older than the primary at the first look (a budget after the hit): usually an invalidation
     * still in flight; it becomes an inconsistency only if it is still there one budget later.
     */
    void consistencySuspect(CachedValue.Source tier, DataClass dc) {
        counter("cache.consistency.suspects", "tier", tier.name(), "data_class", dc.name())
                .increment();
    }

    /** An XFetch early refresh: refreshed, lease-held (another reader has it), rejected, failed, dropped. */
    void earlyRefresh(DataClass dc, String outcome) {
        counter("cache.early.refreshes", "data_class", dc.name(), "outcome", outcome)
                .increment();
    }

    /** A sampled L1 version compared with another instance's at the same moment. */
    void crossInstanceCheck(DataClass dc, boolean differs) {
        counter("cache.cross.instance.checks", "data_class", dc.name()).increment();
        if (differs) {
            counter("cache.cross.instance.divergences", "data_class", dc.name()).increment();
        }
    }

    void consistencySkipped(String reason) {
        counter("cache.consistency.skipped", "reason", reason).increment();
    }

    /** How long an inconsistent entry was seen older than the primary, from its first sighting until it went. */
    void inconsistencyDuration(CachedValue.Source tier, DataClass dc, long millis) {
        staleness(tier, dc).record(millis, TimeUnit.MILLISECONDS);
    }

    private Timer staleness(CachedValue.Source tier, DataClass dc) {
        return Timer.builder("cache.inconsistency.staleness")
                .description("how long an entry found inconsistent stayed older than the primary")
                .serviceLevelObjectives(
                        Duration.ofMillis(500),
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(60),
                        Duration.ofMinutes(5),
                        Duration.ofMinutes(15))
                .tags(withRegion(new String[] {"tier", tier.name(), "data_class", dc.name()}))
                .register(registry);
    }

    public void hit(CachedValue.Source tier, DataClass dc) {
        reads[dc.ordinal()][tier.ordinal()].increment();
    }

    public void dbLoad(DataClass dc) {
        counter("cache.db.loads", "data_class", dc.name()).increment();
    }

    /** A read found a remote marker (a write made in this region, not yet on its replica) and read the primary. */
    public void markerRead(DataClass dc) {
        counter("cache.remote.marker.reads", "data_class", dc.name()).increment();
    }

    public void markersSet(int keys) {
        counter("cache.remote.markers.set").increment(keys);
    }

    public void markersFailed(int keys) {
        counter("cache.remote.markers.failed").increment(keys);
    }

    public void leaseWait(DataClass dc) {
        counter("cache.lease.waits", "data_class", dc.name()).increment();
    }

    public void leaseWaitTimeout(DataClass dc) {
        counter("cache.lease.wait.timeouts", "data_class", dc.name()).increment();
    }

    public void fillRejected(DataClass dc) {
        counter("cache.fills.rejected", "tier", "L2", "data_class", dc.name()).increment();
    }

    public void l1FillRejected() {
        counter("cache.fills.rejected", "tier", "L1", "data_class", "ANY").increment();
    }

    /** An L2 call of the read path failed; {@code cause} is its guard's {@link Guard#failureCause}. */
    public void l2Unavailable(String op, String cause) {
        counter("cache.l2.unavailable", "op", op, "cause", cause).increment();
    }

    public void delsFailed(int keys) {
        counter("cache.dels.failed").increment(keys);
    }

    public void delsDone(int keys) {
        counter("cache.dels").increment(keys);
    }

    public void l1Flush(String reason) {
        counter("cache.l1.flushes", "reason", reason).increment();
    }

    public void broadcastFailed() {
        counter("cache.l1.broadcast.failed").increment();
    }

    public void broadcastAckTimeout() {
        counter("cache.l1.broadcast.ack.timeouts").increment();
    }

    /** Something a chaos switch dropped on purpose: {@code del} (write-path DEL + broadcast) or {@code l1-broadcast}. */
    public void chaosDropped(String what) {
        counter("cache.chaos.dropped", "what", what).increment();
    }

    /** L1 stopped serving because the subscription did not prove delivery within the lease. */
    public void l1LeaseLapsed() {
        counter("cache.l1.lease.lapses").increment();
    }

    public void evictionsReceived(int keys) {
        counter("cache.l1.evictions.received").increment(keys);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public String region() {
        return region;
    }

    public double count(String name, String... tags) {
        Counter c = registry.find(name).tags(withRegion(tags)).counter();
        return c == null ? 0 : c.count();
    }

    private Counter counter(String name, String... tags) {
        return Counter.builder(name).tags(withRegion(tags)).register(registry);
    }

    private String[] withRegion(String[] tags) {
        String[] all = new String[tags.length + 2];
        all[0] = "region";
        all[1] = region;
        System.arraycopy(tags, 0, all, 2, tags.length);
        return all;
    }
}
