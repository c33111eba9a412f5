package dev.cdccache.invalidation.health;

import dev.cdccache.invalidation.cdc.CdcRelay;
import dev.cdccache.invalidation.config.CdcConfig;
import dev.cdccache.invalidation.service.Invalidators;
import dev.cdccache.invalidation.service.RegionInvalidator;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Not ready when the Debezium engine or any region's consumer is down. */
@Readiness
@ApplicationScoped
public class CdcReadiness implements HealthCheck {

    private final CdcConfig config;
    private final CdcRelay relay;
    private final Invalidators invalidators;

    public CdcReadiness(CdcConfig config, CdcRelay relay, Invalidators invalidators) {
        this.config = config;
        this.relay = relay;
        this.invalidators = invalidators;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("cdc");
        boolean up = true;
        if (config.relay().enabled()) {
            boolean running = relay.isRunning();
            up &= running;
            b.withData("relay", running ? "UP" : "DOWN");
            if (relay.lastError() != null) {
                b.withData("relay-error", relay.lastError());
            }
            long hb = relay.lastHeartbeatCommitMs();
            b.withData("relay-heartbeat-age-ms", hb < 0 ? -1 : System.currentTimeMillis() - hb);
        }
        for (RegionInvalidator inv : invalidators.all().values()) {
            boolean ok = inv.isRunning() && inv.isAssigned();
            up &= ok;
            b.withData("invalidator-" + inv.region(), ok ? "UP" : (inv.isRunning() ? "JOINING" : "DOWN"));
            b.withData("invalidator-" + inv.region() + "-redis", invalidators.cache(inv.region()).ping() ? "UP" : "DOWN");
        }
        return b.status(up).build();
    }
}
