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

/**
 * Not ready when the relay cannot publish, or when any invalidator of this process is not invalidating (joining,
 * retrying against its Redis or the dead-letter topic, recovering from a failure). Says why, never with exception
 * text.
 */
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
            CdcRelay.Role role = relay.role();
            boolean delivering = relay.isDelivering();
            up &= role == CdcRelay.Role.STANDBY || role == CdcRelay.Role.ACTIVE && delivering;
            b.withData("relay", role.name());
            String problem = relay.problem();
            if (problem != null) {
                b.withData("relay-problem", problem);
            }
            CdcRelay.SlotStatus slot = relay.slotStatus();
            if (slot != null) {
                // Past max_slot_wal_keep_size: PostgreSQL is about to drop the WAL the slot needs.
                up &= !slot.breached();
                b.withData("slot-wal-status", slot.walStatus());
                b.withData("slot-retained-wal-bytes", slot.retainedBytes());
            }
            long hb = relay.lastHeartbeatCommitMs();
            b.withData("relay-heartbeat-age-ms", hb < 0 ? -1 : System.currentTimeMillis() - hb);
        }
        for (String region : invalidators.regions()) {
            // A region whose Redis does not answer cannot be invalidated, even before a change arrives.
            boolean redis = invalidators.cache(region).ping();
            up &= redis;
            b.withData("invalidator-" + region + "-redis", redis ? "UP" : "DOWN");
        }
        for (RegionInvalidator inv : invalidators.all()) {
            RegionInvalidator.State state = inv.state();
            up &= state.ready();
            String name = "invalidator-" + inv.region() + "-" + inv.memberId();
            b.withData(name, state.name());
            String problem = inv.problem();
            if (problem != null) {
                b.withData(name + "-problem", problem);
            }
        }
        return b.status(up).build();
    }
}
