package dev.cdccache.cache;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The invalidation role in one region, alone: delete keys (with their leases) in the region's L2 and broadcast the
 * L1 eviction, waiting for the readers' acknowledgements. What a CDC invalidator needs: it reads nothing, has no L1
 * and subscribes to no evictions. (A service gets the same role, plus its read path, from {@link RegionCache}.)
 */
public final class RegionInvalidation implements AutoCloseable {

    private final RedisPort redis;
    private final L2Store l2;
    private final L1EvictionPublisher publisher;
    private final CacheInvalidator invalidator;
    private final CacheMetrics metrics;

    /**
     * @param redis the region's Redis; closed with this handle
     * @param guard wraps the Redis calls (a CDC invalidator retries by itself: {@link Guard#DIRECT})
     */
    public RegionInvalidation(
            String region, long ackTimeoutMillis, RedisPort redis, MeterRegistry registry, Guard guard) {
        this(region, ackTimeoutMillis, redis, registry, guard, false);
    }

    /**
     * @param clearMarkers clear remote markers of the changes it invalidates: the invalidator of a region that reads
     *                     a replica (where writers set them)
     */
    public RegionInvalidation(
            String region,
            long ackTimeoutMillis,
            RedisPort redis,
            MeterRegistry registry,
            Guard guard,
            boolean clearMarkers) {
        this(
                region,
                ackTimeoutMillis,
                redis,
                new CacheMetrics(registry, region),
                new L2Store(redis, L2Store.FillMode.LEASE_CHECKED),
                null,
                guard,
                clearMarkers);
    }

    /** For {@link RegionCache}: shares its metrics and L2, and evicts its L1 ({@code localL1}) first. */
    RegionInvalidation(
            String region,
            long ackTimeoutMillis,
            RedisPort redis,
            CacheMetrics metrics,
            L2Store l2,
            L1Cache localL1,
            Guard guard,
            boolean clearMarkers) {
        this.redis = redis;
        this.metrics = metrics;
        this.l2 = l2;
        this.publisher = new L1EvictionPublisher(redis, region, metrics, ackTimeoutMillis);
        publisher.start();
        this.invalidator = new CacheInvalidator(localL1, l2, guard, publisher, metrics, clearMarkers);
    }

    public CacheInvalidator invalidator() {
        return invalidator;
    }

    public L1EvictionPublisher publisher() {
        return publisher;
    }

    public L2Store l2() {
        return l2;
    }

    public CacheMetrics metrics() {
        return metrics;
    }

    public boolean ping() {
        try {
            return redis.ping();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        publisher.close();
        redis.close();
    }
}
