package dev.cdccache.support.config;

import dev.cdccache.cache.ConsistencySampler;
import dev.cdccache.cache.DataClass;
import dev.cdccache.cache.LayeredCache;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.StalenessPolicy;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;

/** Cache settings of one process. Defaults are the documented staleness contract (README). */
@ConfigMapping(prefix = "cache")
public interface CacheConfig {

    /**
     * Region this process serves ({@code us}, {@code eu}); selects its L1 eviction channel. The region's Redis is the
     * default client of quarkus-redis-client ({@code quarkus.redis.hosts}).
     */
    @WithDefault("us")
    String region();

    /** Name shown in the {@code X-Instance} header and logs. */
    @WithDefault("local")
    String instanceId();

    /** Per-command Redis timeout (the adapter's wait on each call). Tight: a slow cache is worse than none. */
    @WithDefault("250ms")
    Duration l2Timeout();

    /** L1 size bound (entries). */
    @WithDefault("100000")
    long l1MaxEntries();

    /** How long a write waits for the region's instances to acknowledge its L1 eviction. */
    @WithDefault("200ms")
    Duration broadcastAckTimeout();

    /**
     * Cache loads read the region's replica ({@code quarkus.datasource.replica}) instead of the primary; writes, reads
     * under a remote marker and the global class always use the primary (the default datasource). Off in the
     * primary's region; the stack turns it on in eu. A failing replica falls back to the primary (circuit breaker).
     */
    @WithDefault("false")
    boolean readReplica();

    /**
     * Writers set a remote marker on every key their transaction changes, before it commits, in this region's Redis
     * (read-your-writes while the region's replica lags). On where {@link #readReplica()} is on.
     */
    @WithDefault("false")
    boolean remoteMarkers();

    /** Safety net of a remote marker: the region's invalidator clears it as soon as its replica has the change. */
    @WithDefault("10s")
    Duration remoteMarkerTtl();

    /**
     * A transaction changing more keys sets no markers (a bulk repricing); its keys then become fresh in this region
     * when its replica has them, like a write made elsewhere.
     */
    @WithDefault("1000")
    int remoteMarkerMaxKeys();

    /**
     * The replica gate of regions that read a replica (their CDC invalidator deletes a change's keys only once the
     * replica has it). {@code off} shows the race it prevents ({@code make chaos-replica-lag}); never off otherwise.
     */
    @WithDefault("on")
    boolean regionGate();

    Policy catalog();

    Policy price();

    Lease lease();

    Consistency consistency();

    /** Settings of one region cache built from this configuration; shared by the read path and the invalidators. */
    default RegionCache.Settings settings(String region, long l1MaxEntries) {
        return new RegionCache.Settings(
                region,
                l1MaxEntries,
                broadcastAckTimeout().toMillis(),
                Map.of(
                        DataClass.CATALOG,
                        catalog().resolve(DataClass.CATALOG),
                        DataClass.PRICE,
                        price().resolve(DataClass.PRICE)),
                new LayeredCache.LeaseSettings(
                        lease().ttl().toMillis(),
                        lease().maxWait().toMillis(),
                        lease().poll().toMillis(),
                        lease().earlyRefreshBeta()),
                new ConsistencySampler.Settings(
                        consistency().sampleRate(),
                        consistency().maxChecksPerSecond(),
                        Map.of(
                                DataClass.CATALOG,
                                catalog().stalenessBudget(),
                                DataClass.PRICE,
                                price().stalenessBudget()),
                        consistency().window()));
    }

    interface Policy {
        /** Redis TTL. Catalog default 10m; price default 60s (see {@link DataClass}). */
        java.util.Optional<Duration> l2Ttl();

        /** In-process TTL; 0 disables L1. Catalog default 5s; price default 1s. */
        java.util.Optional<Duration> l1Ttl();

        /** TTL of "does not exist" entries. */
        java.util.Optional<Duration> negativeTtl();

        /** TTL jitter fraction, default 0.15 (±15%). */
        java.util.Optional<Double> jitter();

        /**
         * Degraded mode: how long past its L2 TTL a value is kept and served ({@code X-Cache: L2-STALE}) when the
         * database cannot answer. Catalog default 5m (serve stale); price default 0 (fail explicitly: 503).
         */
        java.util.Optional<Duration> staleGrace();

        /**
         * How long after a write a cache hit may still return the older version and count as correct: the
         * correctness sampler re-checks a hit only after it, and calls an entry inconsistent only if it stays older
         * than the primary for a further budget. Default 2s, above the CDC bound of both regions (README).
         */
        @WithDefault("2s")
        Duration stalenessBudget();

        default StalenessPolicy resolve(DataClass dc) {
            StalenessPolicy d = dc.defaults();
            return new StalenessPolicy(
                    l2Ttl().orElse(d.l2Ttl()),
                    l1Ttl().orElse(d.l1Ttl()),
                    negativeTtl().orElse(d.negativeTtl()),
                    jitter().orElse(d.jitter()),
                    staleGrace().orElse(d.staleGrace()));
        }
    }

    /** Correctness sampling (Polaris-style): a fraction of cache hits re-checked against the primary. */
    interface Consistency {
        /** Fraction of L1 and L2 hits sampled; 0 turns sampling off. */
        @WithDefault("0.01")
        double sampleRate();

        /** Ceiling on checks per second per process (each is one primary read, guarded like a cache miss). */
        @WithDefault("50")
        int maxChecksPerSecond();

        /** Window of the {@code cache_consistency_ratio} and {@code cache_consistency_nines} gauges. */
        @WithDefault("5m")
        Duration window();
    }

    interface Lease {
        /** Lifetime of a fill lease if its holder dies. */
        @WithDefault("2s")
        Duration ttl();

        /** How long a reader waits for another reader's fill before reading PostgreSQL itself. */
        @WithDefault("1500ms")
        Duration maxWait();

        /** Poll interval while waiting on a lease. */
        @WithDefault("5ms")
        Duration poll();

        /**
         * XFetch's β for early refresh of entries near expiry (one reader reloads under the lease before the entry
         * expires, so a hot key has no expiry cliff); 0 turns it off.
         */
        @WithDefault("1.0")
        double earlyRefreshBeta();
    }
}
