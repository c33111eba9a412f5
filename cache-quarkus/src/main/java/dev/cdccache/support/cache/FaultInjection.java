package dev.cdccache.support.cache;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Chaos switches, all off by default and only reachable through the token-protected admin endpoint:
 * drop the write path's DELs and L1 broadcast (the CDC backstop must then bound staleness), or drop L1 eviction
 * messages only (the sequence-gap flush and the L1 TTL must then bound it). Changes are announced as a
 * {@link ChaosSettings} event; every owner of an {@code L1Broadcast} applies the drop rate to it.
 */
@ApplicationScoped
public class FaultInjection {

    /** The switch positions. */
    public record ChaosSettings(double dropDelRate, double dropL1BroadcastRate) {}

    private final Event<ChaosSettings> changed;
    private volatile ChaosSettings settings = new ChaosSettings(0, 0);

    public FaultInjection(Event<ChaosSettings> changed) {
        this.changed = changed;
    }

    public boolean dropThisDel() {
        double rate = settings.dropDelRate();
        return rate > 0 && ThreadLocalRandom.current().nextDouble() < rate;
    }

    public ChaosSettings settings() {
        return settings;
    }

    public void set(double dropDelRate, double dropL1BroadcastRate) {
        settings = new ChaosSettings(clamp(dropDelRate), clamp(dropL1BroadcastRate));
        changed.fire(settings);
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
