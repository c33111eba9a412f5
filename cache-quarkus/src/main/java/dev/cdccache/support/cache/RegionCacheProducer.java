package dev.cdccache.support.cache;

import dev.cdccache.cache.RegionCache;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.redis.RedisPorts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * The process's {@link RegionCache}: L1 + lease-guarded L2 + eviction broadcast for its region, over the default
 * Redis client of quarkus-redis-client ({@code quarkus.redis.hosts}).
 */
@ApplicationScoped
public class RegionCacheProducer {

    @Produces
    @ApplicationScoped
    RegionCache regionCache(
            CacheConfig config,
            RedisPorts redis,
            MeterRegistry registry,
            RedisGuard redisGuard,
            InvalidationGuard invalidationGuard,
            DbGuard dbGuard) {
        return new RegionCache(
                config.settings(config.region(), config.l1MaxEntries()),
                redis.defaultClient(config.l2Timeout().toMillis()),
                registry,
                redisGuard,
                invalidationGuard,
                dbGuard);
    }

    /**
     * Builds the cache at start, on the main thread: building it subscribes to the eviction channel and waits for
     * Redis, which must never happen on the event loop that first touches the bean (it would wait for itself).
     */
    void eager(@Observes StartupEvent ev, RegionCache cache) {
        cache.metrics();
    }

    void close(@Disposes RegionCache cache) {
        cache.close();
    }
}
