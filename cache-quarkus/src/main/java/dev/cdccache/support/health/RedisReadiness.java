package dev.cdccache.support.health;

import dev.cdccache.cache.RegionCache;
import dev.cdccache.support.config.CacheConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Probes the region's Redis with PING and reports whether the L1 eviction subscription is live.
 *
 * <p>A read service stays ready without Redis: it serves from PostgreSQL behind the database limit, and taking every
 * instance out of rotation because the cache is down would turn a degradation into an outage. The check reports
 * {@code mode=degraded} instead, which the stack scripts and dashboards read. PostgreSQL readiness comes from
 * the datasource check, which does fail the probe.
 */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {

    private final RegionCache cache;
    private final CacheConfig config;

    public RedisReadiness(RegionCache cache, CacheConfig config) {
        this.cache = cache;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        boolean redis = cache.ping();
        boolean subscribed = cache.subscriber().isSubscribed();
        return HealthCheckResponse.named("redis-" + config.region())
                .up()
                .withData("redis", redis ? "UP" : "DOWN")
                .withData("l1-eviction-subscription", subscribed ? "UP" : "DOWN")
                .withData("mode", redis && subscribed ? "cached" : "degraded")
                .build();
    }
}
