package dev.cdccache.cache;

import java.time.Duration;

/**
 * Data classes and their default staleness policies (the staleness contract in the README).
 *
 * <p>Catalog data changes rarely and tolerates seconds of staleness in a process: long L2 TTL, short L1 TTL.
 * Prices change often and matter for money: short L2 TTL and at most one second in L1.
 */
public enum DataClass {
    /** Degraded mode: serve stale. With the database down a catalog entry is served up to 5 min past its TTL. */
    CATALOG(new StalenessPolicy(
            Duration.ofMinutes(10), Duration.ofSeconds(5), Duration.ofSeconds(30), 0.15, Duration.ofMinutes(5))),
    /** Degraded mode: fail explicitly. A price is never served past its TTL (503 with Retry-After instead). */
    PRICE(new StalenessPolicy(Duration.ofSeconds(60), Duration.ofMillis(1000), Duration.ofSeconds(10), 0.15));

    private final StalenessPolicy defaults;

    DataClass(StalenessPolicy defaults) {
        this.defaults = defaults;
    }

    public StalenessPolicy defaults() {
        return defaults;
    }
}
