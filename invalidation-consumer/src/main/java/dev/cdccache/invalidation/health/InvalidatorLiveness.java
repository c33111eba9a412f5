package dev.cdccache.invalidation.health;

import dev.cdccache.invalidation.config.CdcConfig;
import dev.cdccache.invalidation.service.Invalidators;
import dev.cdccache.invalidation.service.RegionInvalidator;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * DOWN when an invalidator's loop has died or has not turned within {@code cdc.invalidator.stuck-after}: the
 * supervisor survives every failure it can see, so this is what is left for an orchestrator to restart.
 */
@Liveness
@ApplicationScoped
public class InvalidatorLiveness implements HealthCheck {

    private final CdcConfig config;
    private final Invalidators invalidators;

    public InvalidatorLiveness(CdcConfig config, Invalidators invalidators) {
        this.config = config;
        this.invalidators = invalidators;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("cdc-invalidator-loop");
        boolean up = true;
        long bound = config.invalidator().stuckAfter().toMillis();
        for (RegionInvalidator inv : invalidators.all()) {
            long since = inv.millisSinceLastTick();
            boolean alive = inv.isRunning() && since <= bound;
            up &= alive;
            b.withData("invalidator-" + inv.region() + "-" + inv.memberId() + "-last-turn-ms", since);
        }
        return b.status(up).build();
    }
}
