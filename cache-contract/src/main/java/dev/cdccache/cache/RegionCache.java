package dev.cdccache.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Map;

/**
 * Wires one process's view of one region: a Redis client, the lease-guarded L2, the L1, the eviction broadcast,
 * the read path and the invalidator. Services build one at startup; tests build several to act as instances.
 */
public final class RegionCache implements AutoCloseable {

    /**
     * @param redisUri        the region's Redis
     * @param region          region name ({@code us}, {@code eu})
     * @param l2TimeoutMillis per-command Redis timeout; tight, because a slow cache is worse than none
     * @param l1MaxEntries    L1 size bound
     * @param ackTimeoutMillis how long a write waits for the region's instances to confirm an L1 eviction
     */
    public record Settings(
            String redisUri,
            String region,
            long l2TimeoutMillis,
            long l1MaxEntries,
            long ackTimeoutMillis,
            Map<DataClass, StalenessPolicy> policies,
            LayeredCache.LeaseSettings lease,
            L2Store.FillMode fillMode) {}

    private final RedisClient client;
    private final RedisConnectionHolder connection;
    private final L1Cache l1;
    private final L2Store l2;
    private final L1Broadcast broadcast;
    private final LayeredCache cache;
    private final CacheInvalidator invalidator;
    private final CacheMetrics metrics;

    /**
     * @param readGuard         wraps the read path's Redis calls (the services: timeout and circuit breaker)
     * @param invalidationGuard wraps the invalidator's Redis calls; never the read breaker, so reads that opened it
     *                          cannot make a write skip its DEL and broadcast
     */
    public RegionCache(Settings s, MeterRegistry registry, Guard readGuard, Guard invalidationGuard, Guard dbGuard) {
        metrics = new CacheMetrics(registry, s.region());
        client = RedisClient.create(RedisURI.create(s.redisUri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while Redis is away instead of queueing commands until they time out.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(Math.max(200, s.l2TimeoutMillis() * 2)))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(s.l2TimeoutMillis())))
                .build());
        connection = new RedisConnectionHolder(client);
        l1 = new L1Cache(s.l1MaxEntries(), metrics);
        l2 = new L2Store(connection, s.fillMode(), s.l2TimeoutMillis());
        broadcast = new L1Broadcast(client, connection, s.region(), l1, metrics, s.ackTimeoutMillis());
        broadcast.start();
        cache = new LayeredCache(l1, l2, readGuard, dbGuard, s.policies(), s.lease(), metrics);
        invalidator = new CacheInvalidator(l1, l2, invalidationGuard, broadcast, metrics);
    }

    public LayeredCache cache() {
        return cache;
    }

    public CacheInvalidator invalidator() {
        return invalidator;
    }

    public L1Cache l1() {
        return l1;
    }

    public L2Store l2() {
        return l2;
    }

    public L1Broadcast broadcast() {
        return broadcast;
    }

    public CacheMetrics metrics() {
        return metrics;
    }

    public boolean ping() {
        try {
            return "PONG".equals(connection.get().sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        broadcast.close();
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
