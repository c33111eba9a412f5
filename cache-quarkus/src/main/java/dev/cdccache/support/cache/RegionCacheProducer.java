package dev.cdccache.support.cache;

import dev.cdccache.cache.RegionCache;
import dev.cdccache.support.config.CacheConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/** The process's {@link RegionCache}: L1 + lease-guarded L2 + eviction broadcast for its region. */
@ApplicationScoped
public class RegionCacheProducer {

    @Produces
    @ApplicationScoped
    RegionCache regionCache(
            CacheConfig config,
            MeterRegistry registry,
            RedisGuard redisGuard,
            InvalidationGuard invalidationGuard,
            DbGuard dbGuard) {
        return new RegionCache(
                config.settings(config.redisUri(), config.region(), config.l1MaxEntries()),
                registry,
                redisGuard,
                invalidationGuard,
                dbGuard);
    }

    void close(@Disposes RegionCache cache) {
        cache.close();
    }
}
