package dev.cdccache.support.cache;

import dev.cdccache.cache.DataClass;
import dev.cdccache.cache.L2Store;
import dev.cdccache.cache.LayeredCache;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.support.config.CacheConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import java.util.Map;

/** The process's {@link RegionCache}: L1 + lease-guarded L2 + eviction broadcast for its region. */
@ApplicationScoped
public class RegionCacheProducer {

    @Produces
    @ApplicationScoped
    RegionCache regionCache(CacheConfig config, MeterRegistry registry, RedisGuard redisGuard, DbGuard dbGuard) {
        CacheConfig.Lease lease = config.lease();
        return new RegionCache(new RegionCache.Settings(
                config.redisUri(), config.region(), config.l2Timeout().toMillis(), config.l1MaxEntries(),
                config.broadcastAckTimeout().toMillis(),
                Map.of(DataClass.CATALOG, config.catalog().resolve(DataClass.CATALOG),
                        DataClass.PRICE, config.price().resolve(DataClass.PRICE)),
                new LayeredCache.LeaseSettings(lease.ttl().toMillis(), lease.maxWait().toMillis(), lease.poll().toMillis()),
                L2Store.FillMode.LEASE_CHECKED),
                registry, redisGuard, dbGuard);
    }

    void close(@Disposes RegionCache cache) {
        cache.close();
    }
}
