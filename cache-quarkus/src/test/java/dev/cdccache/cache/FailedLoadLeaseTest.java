package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A lease holder whose database load fails gives its lease back: another instance then loads and caches at once,
 * instead of waiting out the lease (1.5 s) and reading the database without caching.
 */
class FailedLoadLeaseTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void aFailedLoadReleasesItsLease() throws Exception {
        RegionCache p1 = instances.create("us");
        RegionCache p2 = instances.create("us");
        Instances.Rows rows = new Instances.Rows();
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(5_000_000, 6_000_000));
        rows.versions.put(key, 1L);

        assertThrows(
                IllegalStateException.class,
                () -> p1.cache().get(key, k -> {
                    throw new IllegalStateException("database load failed");
                }));
        assertNull(p1.l2().get(CacheKeys.lease(key)), "the failed holder's lease is gone");

        long t0 = System.nanoTime();
        CachedValue v = p2.cache().get(key, rows.loaderFor("us"));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1, v.version());
        assertTrue(tookMs < 1000, "no wait for an orphaned lease (took " + tookMs + " ms, the wait bound is 1500)");
        assertEquals(0.0, p2.metrics().count("cache.lease.waits", "data_class", "CATALOG"));
        assertEquals(
                CachedValue.Source.L2,
                instances.create("us").cache().get(key, rows.loaderFor("us")).source(),
                "the second instance's load was cached");
    }
}
