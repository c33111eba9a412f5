package dev.cdccache.cache;

import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;

/**
 * A reading and writing process's view of one region: the read path (L1, lease-guarded L2, the eviction subscriber
 * that keeps L1 honest) and the invalidation role (L2 DEL and the eviction publisher), over that region's Redis (a
 * {@link RedisPort}). Services build one at startup; tests build several to act as instances. A process that only
 * invalidates uses {@link RegionInvalidation}.
 */
public final class RegionCache implements AutoCloseable {

    /**
     * @param region           region name ({@code us}, {@code eu})
     * @param l1MaxEntries     L1 size bound
     * @param ackTimeoutMillis how long a write waits for the region's instances to confirm an L1 eviction
     */
    public record Settings(
            String region,
            long l1MaxEntries,
            long ackTimeoutMillis,
            Map<DataClass, StalenessPolicy> policies,
            LayeredCache.LeaseSettings lease,
            ConsistencySampler.Settings sampling) {

        /** Without correctness sampling. */
        public Settings(
                String region,
                long l1MaxEntries,
                long ackTimeoutMillis,
                Map<DataClass, StalenessPolicy> policies,
                LayeredCache.LeaseSettings lease) {
            this(region, l1MaxEntries, ackTimeoutMillis, policies, lease, ConsistencySampler.Settings.OFF);
        }
    }

    private final L1Cache l1;
    private final L2Store l2;
    private final L1EvictionSubscriber subscriber;
    private final RegionInvalidation invalidation;
    private final LayeredCache cache;
    private final CacheMetrics metrics;

    /**
     * @param redis             the region's Redis; closed with this cache
     * @param readGuard         wraps the read path's Redis calls (the services: timeout and circuit breaker)
     * @param invalidationGuard wraps the invalidator's Redis calls; never the read breaker, so reads that opened it
     *                          cannot make a write skip its DEL and broadcast
     */
    public RegionCache(
            Settings s,
            RedisPort redis,
            MeterRegistry registry,
            Guard readGuard,
            Guard invalidationGuard,
            Guard dbGuard) {
        this(s, redis, registry, readGuard, invalidationGuard, dbGuard, L2Store.FillMode.LEASE_CHECKED);
    }

    /** Tests only (same package): {@code fillMode} can switch the lease check off to show what it prevents. */
    RegionCache(
            Settings s,
            RedisPort redis,
            MeterRegistry registry,
            Guard readGuard,
            Guard invalidationGuard,
            Guard dbGuard,
            L2Store.FillMode fillMode) {
        metrics = new CacheMetrics(registry, s.region());
        l1 = new L1Cache(s.l1MaxEntries(), metrics);
        l2 = new L2Store(redis, fillMode);
        subscriber = new L1EvictionSubscriber(redis, s.region(), l1, metrics);
        subscriber.start();
        // The writer's own invalidation role, evicting this process's L1 first.
        invalidation = new RegionInvalidation(
                s.region(), s.ackTimeoutMillis(), redis, metrics, l2, l1, invalidationGuard, false);
        cache = new LayeredCache(
                l1,
                l2,
                readGuard,
                dbGuard,
                s.policies(),
                s.lease(),
                metrics,
                s.sampling(),
                new HotKeys(s.region(), redis, metrics, 50, 5_000));
    }

    public LayeredCache cache() {
        return cache;
    }

    public CacheInvalidator invalidator() {
        return invalidation.invalidator();
    }

    public L1Cache l1() {
        return l1;
    }

    public L2Store l2() {
        return l2;
    }

    /** Keeps this process's L1 honest: evictions, sequence gaps, the L1 lease. */
    public L1EvictionSubscriber subscriber() {
        return subscriber;
    }

    /** Sends this process's writes' L1 evictions to the region. */
    public L1EvictionPublisher publisher() {
        return invalidation.publisher();
    }

    public CacheMetrics metrics() {
        return metrics;
    }

    public boolean ping() {
        return invalidation.ping();
    }

    @Override
    public void close() {
        cache.close();
        subscriber.close();
        invalidation.close();
    }
}
