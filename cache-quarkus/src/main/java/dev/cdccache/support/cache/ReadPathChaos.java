package dev.cdccache.support.cache;

import dev.cdccache.cache.RegionCache;
import dev.cdccache.support.config.CacheConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

/** Applies the L1-broadcast drop rate to this process's own region cache (processes with a read path only). */
@ApplicationScoped
public class ReadPathChaos {

    private final Instance<RegionCache> cache;
    private final CacheConfig config;

    public ReadPathChaos(Instance<RegionCache> cache, CacheConfig config) {
        this.cache = cache;
        this.config = config;
    }

    void apply(@Observes FaultInjection.ChaosSettings settings) {
        if (config.readPath()) {
            cache.get().broadcast().setDropRate(settings.dropL1BroadcastRate());
        }
    }
}
