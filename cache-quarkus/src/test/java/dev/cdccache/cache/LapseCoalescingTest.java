package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An instance that may not serve L1 (its lease lapsed, or its subscription went dark) still reads a hot key from
 * Redis one load at a time, against real Redis: 64 concurrent readers of a cached key cost a few L2 reads, not 64.
 * Before session 19 each reader read Redis itself; with 64 of them at once the reads queued on the connection pool,
 * the slowest outlived the 250 ms L2 timeout and the read breaker opened (the hot-key benchmark's 100 database
 * loads for one expiry).
 */
class LapseCoalescingTest {

    private static final int READERS = 64;

    @Test
    void concurrentReadersOfAnInstanceWithoutL1ShareItsRedisReads() throws Exception {
        try (RegionCache rc = TestRegionCaches.instance("us")) {
            String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(9_000_000, 10_000_000));
            Loader loader = k -> new Loader.Loaded("{\"v\":3}", 3);
            rc.cache().get(key, loader); // now in L2
            rc.l1().setEnabled(false); // as while its eviction subscription is dark: no L1, no shared loads in flight
            assertFalse(rc.l1().servable());
            double l2Before = rc.metrics().count("cache.reads", "tier", "L2", "data_class", "CATALOG");

            ExecutorService pool = Executors.newFixedThreadPool(READERS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<CachedValue>> answers = new ArrayList<>();
            try {
                for (int i = 0; i < READERS; i++) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return rc.cache().get(key, loader);
                    }));
                }
                start.countDown();
                for (Future<CachedValue> f : answers) {
                    assertEquals(3, f.get(10, TimeUnit.SECONDS).version());
                }
            } finally {
                pool.shutdownNow();
            }
            double l2Reads = rc.metrics().count("cache.reads", "tier", "L2", "data_class", "CATALOG") - l2Before;
            assertTrue(l2Reads >= 1, "read from L2");
            assertTrue(l2Reads <= READERS / 4, l2Reads + " L2 reads for " + READERS + " concurrent readers");
            assertEquals(1, rc.metrics().count("cache.db.loads", "data_class", "CATALOG"), "one load: the first");
        }
    }
}
