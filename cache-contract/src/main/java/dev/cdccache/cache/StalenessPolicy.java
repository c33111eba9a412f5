package dev.cdccache.cache;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a value of one data class may live in each tier.
 *
 * @param l2Ttl       Redis TTL: the bound on staleness if both the write-path DEL and CDC fail
 * @param l1Ttl       in-process TTL: the bound if an L1 eviction message is lost; zero disables L1
 * @param negativeTtl TTL of "does not exist" entries in both tiers
 * @param jitter      fraction (0..0.5) by which each TTL is randomly shortened or lengthened, so entries filled
 *                    together do not expire together
 * @param staleGrace  how long past its L2 TTL a value is kept, to be served (marked {@code L2-STALE}) only when the
 *                    database cannot answer; zero for data that must fail explicitly instead (prices)
 */
public record StalenessPolicy(
        Duration l2Ttl, Duration l1Ttl, Duration negativeTtl, double jitter, Duration staleGrace) {

    /** Without a grace period: a failed database load fails the read. */
    public StalenessPolicy(Duration l2Ttl, Duration l1Ttl, Duration negativeTtl, double jitter) {
        this(l2Ttl, l1Ttl, negativeTtl, jitter, Duration.ZERO);
    }

    public StalenessPolicy {
        if (staleGrace.isNegative()) {
            throw new IllegalArgumentException("staleGrace must not be negative");
        }
        if (l2Ttl.isNegative() || l2Ttl.isZero()) {
            throw new IllegalArgumentException("l2Ttl must be positive");
        }
        if (l1Ttl.isNegative() || negativeTtl.isNegative() || negativeTtl.isZero()) {
            throw new IllegalArgumentException("TTLs must be positive (l1Ttl may be zero)");
        }
        if (jitter < 0 || jitter > 0.5) {
            throw new IllegalArgumentException("jitter must be within 0..0.5");
        }
    }

    public long staleGraceMillis() {
        return staleGrace.toMillis();
    }

    public boolean l1Enabled() {
        return !l1Ttl.isZero();
    }

    /** A jittered L2 TTL in ms for a value ({@code negative=false}) or a negative entry. */
    public long l2TtlMillis(boolean negative) {
        return jittered(negative ? negativeTtl.toMillis() : l2Ttl.toMillis());
    }

    /**
     * A jittered L1 TTL in ms, never longer than what is left of the L2 entry the value came from, so an L1 entry
     * never outlives its L2 entry.
     */
    public long l1TtlMillis(boolean negative, long l2RemainingMillis) {
        long base = negative ? Math.min(l1Ttl.toMillis(), negativeTtl.toMillis()) : l1Ttl.toMillis();
        long ttl = jittered(base);
        return l2RemainingMillis >= 0 ? Math.min(ttl, l2RemainingMillis) : ttl;
    }

    long jittered(long millis) {
        if (millis <= 0 || jitter == 0) {
            return millis;
        }
        double factor = 1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Math.max(1, Math.round(millis * factor));
    }
}
