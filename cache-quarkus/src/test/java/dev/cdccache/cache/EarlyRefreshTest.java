package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hot key expiring under 16 concurrent readers, against real Redis, with a 100 ms database load. With early
 * refresh (XFetch) one reader reloads it before it expires: every load is a refresh, no reader ever waits for one.
 * Without (β = 0) the same run has an expiry cliff: readers wait a whole load. The second run proves the first
 * can fail.
 */
class EarlyRefreshTest {

    private static final Duration TTL = Duration.ofMillis(1500);
    private final List<RegionCache> created = new ArrayList<>();

    @AfterEach
    void close() {
        created.forEach(RegionCache::close);
    }

    private record Run(int loads, double refreshed, double leaseWaits, long slowReads, long reads) {}

    private Run run(double beta) throws Exception {
        RegionCache rc = TestRegionCaches.instance(new RegionCache.Settings(
                "us",
                10_000,
                500,
                Map.of(DataClass.PRICE, new StalenessPolicy(TTL, Duration.ofMillis(200), TTL, 0)),
                new LayeredCache.LeaseSettings(2000, 1500, 5, beta)));
        created.add(rc);
        String key = CacheKeys.price(ThreadLocalRandom.current().nextLong(70_000_000, 80_000_000));
        AtomicInteger loads = new AtomicInteger();
        Loader slow = k -> {
            loads.incrementAndGet();
            Thread.sleep(100);
            return new Loader.Loaded("{\"p\":1}", 1);
        };
        rc.cache().get(key, slow); // the first fill
        long end =
                System.nanoTime() + Duration.ofMillis(TTL.toMillis() * 3 + 500).toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<long[]>> readers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            readers.add(pool.submit(() -> {
                long slowReads = 0;
                long reads = 0;
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    rc.cache().get(key, slow);
                    if (System.nanoTime() - start > 60_000_000L) {
                        slowReads++;
                    }
                    reads++;
                    Thread.sleep(1);
                }
                return new long[] {slowReads, reads};
            }));
        }
        long slowReads = 0;
        long reads = 0;
        for (Future<long[]> f : readers) {
            slowReads += f.get()[0];
            reads += f.get()[1];
        }
        pool.shutdown();
        return new Run(
                loads.get(),
                rc.metrics().count("cache.early.refreshes", "data_class", "PRICE", "outcome", "refreshed"),
                rc.metrics().count("cache.lease.waits", "data_class", "PRICE"),
                slowReads,
                reads);
    }

    @Test
    void withEarlyRefreshAHotKeyHasNoExpiryCliff() throws Exception {
        Run r = run(1.0);
        assertTrue(r.refreshed() >= 2, "refreshed before each of its ~3 expiries: " + r);
        assertEquals(1 + (int) r.refreshed(), r.loads(), "every load after the first is an early refresh: " + r);
        assertEquals(0, r.slowReads(), "no reader waited for a load: " + r);
    }

    @Test
    void withoutItTheSameKeyMakesReadersWaitAtEachExpiry() throws Exception {
        Run r = run(0);
        assertEquals(0.0, r.refreshed());
        assertTrue(r.slowReads() >= 2, "readers waited a whole load at the expiries: " + r);
        assertTrue(r.loads() >= 3, r.toString());
    }
}
