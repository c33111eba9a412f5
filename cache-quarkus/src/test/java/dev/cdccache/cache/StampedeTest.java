package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

class StampedeTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void thousandConcurrentColdMissesCostOneDatabaseReadPerRegion() throws Exception {
        // Two processes per region: coalescing inside a process, the lease across processes.
        List<RegionCache> caches =
                List.of(instances.create("us"), instances.create("us"), instances.create("eu"), instances.create("eu"));
        Instances.Rows rows = new Instances.Rows();
        rows.delayMillis = 300; // a slow loader keeps every request in the miss window
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(2_000_000, 3_000_000));
        rows.versions.put(key, 7L);

        ExecutorService pool = Executors.newFixedThreadPool(200);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<CachedValue>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                RegionCache rc = caches.get(i % caches.size());
                String region = i % 4 < 2 ? "us" : "eu";
                answers.add(pool.submit(() -> {
                    start.await();
                    return rc.cache().get(key, rows.loaderFor(region));
                }));
            }
            start.countDown();
            Set<String> payloads = new HashSet<>();
            for (Future<CachedValue> f : answers) {
                CachedValue v = f.get(30, TimeUnit.SECONDS);
                assertEquals(7L, v.version());
                payloads.add(v.payload());
            }
            assertEquals(1, payloads.size(), "all 1,000 answers equal");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, rows.reads("us"), "one database read in us");
        assertEquals(1, rows.reads("eu"), "one database read in eu");
        double waits = caches.stream()
                .mapToDouble(c -> c.metrics().count("cache.lease.waits", "data_class", "CATALOG"))
                .sum();
        assertTrue(waits >= 2, "the second process of each region waited on the lease: " + waits);
    }
}
