package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.time.Duration;

class StalenessPolicyTest {

    private final StalenessPolicy policy =
            new StalenessPolicy(Duration.ofSeconds(100), Duration.ofSeconds(10), Duration.ofSeconds(5), 0.15);

    @Test
    void ttlsAreJitteredWithinBoundsAndActuallyVary() {
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long ttl = policy.l2TtlMillis(false);
            min = Math.min(min, ttl);
            max = Math.max(max, ttl);
        }
        assertTrue(min >= 85_000 && max <= 115_000, min + ".." + max);
        assertTrue(max - min > 10_000, "jitter spreads expiries: " + min + ".." + max);
        for (int i = 0; i < 200; i++) {
            long neg = policy.l2TtlMillis(true);
            assertTrue(neg >= 4250 && neg <= 5750, "negative ttl " + neg);
        }
    }

    @Test
    void l1NeverOutlivesTheL2EntryItCameFrom() {
        for (int i = 0; i < 1000; i++) {
            assertTrue(policy.l1TtlMillis(false, 1234) <= 1234);
            assertTrue(policy.l1TtlMillis(false, -1) <= 11_500);
        }
        assertEquals(0, policy.l1TtlMillis(false, 0));
    }

    @Test
    void defaultsMatchTheDocumentedContract() {
        StalenessPolicy price = DataClass.PRICE.defaults();
        assertTrue(price.l1Ttl().compareTo(Duration.ofSeconds(1)) <= 0, "price L1 at most 1 s");
        assertTrue(DataClass.CATALOG.defaults().l2Ttl().compareTo(Duration.ofMinutes(1)) >= 0, "catalog L2 in minutes");
        assertFalse(new StalenessPolicy(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1), 0).l1Enabled());
        assertThrows(
                IllegalArgumentException.class,
                () -> new StalenessPolicy(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new StalenessPolicy(Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1), 0.9));
    }
}
