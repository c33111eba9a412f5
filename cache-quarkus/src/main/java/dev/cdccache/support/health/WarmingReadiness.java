package dev.cdccache.support.health;

import dev.cdccache.cache.Warmer;
import dev.cdccache.support.cache.CacheWarmer;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until the caches are warm: the region's hot set loaded, or the instance's own hit ratio at its
 * threshold. A cold instance taking its share of traffic would send it all to PostgreSQL.
 */
@Readiness
@ApplicationScoped
public class WarmingReadiness implements HealthCheck {

    private final CacheWarmer warmer;

    public WarmingReadiness(CacheWarmer warmer) {
        this.warmer = warmer;
    }

    @Override
    public HealthCheckResponse call() {
        Warmer.Progress p = warmer.progress();
        return HealthCheckResponse.named("cache-warming")
                .status(warmer.warm())
                .withData("enabled", warmer.enabled())
                .withData("keys", p.keys())
                .withData("warmed", p.warmed())
                .withData("from-cache", p.fromCache())
                .withData("from-database", p.fromDb())
                .withData("failures", p.failures())
                .withData("took-ms", p.tookMillis())
                .build();
    }
}
