package dev.cdccache.support.cache;

import dev.cdccache.cache.RegionCache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** Applies the L1-broadcast drop rate to this process's own region cache (processes with a read path only). */
@ApplicationScoped
public class ReadPathChaos {

    private final RegionCache cache;

    public ReadPathChaos(RegionCache cache) {
        this.cache = cache;
    }

    void apply(@Observes FaultInjection.ChaosSettings settings) {
        cache.publisher().setDropRate(settings.dropL1BroadcastRate());
    }
}
