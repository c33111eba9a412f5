package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.StackControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

class L1BroadcastTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    private static String newKey() {
        return CacheKeys.productView(ThreadLocalRandom.current().nextLong(3_000_000, 4_000_000));
    }

    @Test
    void aWriteInOneInstanceEvictsTheOtherInstancesL1BeforeItReturns() throws Exception {
        RegionCache a = instances.create("us");
        RegionCache b = instances.create("us");
        RegionCache other = instances.create("eu");
        Instances.Rows rows = new Instances.Rows();
        String key = newKey();
        rows.versions.put(key, 1L);
        assertEquals(
                CachedValue.Source.DB, b.cache().get(key, rows.loaderFor("us")).source());
        assertEquals(
                CachedValue.Source.L1, b.cache().get(key, rows.loaderFor("us")).source());
        other.cache().get(key, rows.loaderFor("eu"));

        rows.versions.put(key, 2L);
        a.invalidator().invalidate(KeyMapper.Invalidation.keys(key));

        // No await: the acknowledged broadcast means b has evicted by the time invalidate() returned.
        assertNull(b.l1().getIfPresent(key));
        CachedValue fresh = b.cache().get(key, rows.loaderFor("us"));
        assertEquals(2L, fresh.version());
        assertEquals(CachedValue.Source.DB, fresh.source());
        // The broadcast is per region: eu's L1 is left to the CDC invalidator of eu.
        assertNotNull(other.l1().getIfPresent(key));
    }

    @Test
    void aSequenceGapFlushesL1() throws Exception {
        RegionCache a = instances.create("us");
        RegionCache b = instances.create("us");
        Instances.Rows rows = new Instances.Rows();
        String cachedKey = newKey();
        rows.versions.put(cachedKey, 1L);
        b.cache().get(cachedKey, rows.loaderFor("us"));
        a.publisher().publishKeys(java.util.List.of(newKey())); // b learns a's sequence
        assertNotNull(b.l1().getIfPresent(cachedKey));

        a.publisher().skipSequence(); // a message "lost" on the way
        double before = b.metrics().count("cache.l1.flushes", "reason", "sequence-gap");
        a.publisher().publishKeys(java.util.List.of(newKey()));

        assertNull(b.l1().getIfPresent(cachedKey), "the unrelated cached key went with the flush");
        assertEquals(before + 1, b.metrics().count("cache.l1.flushes", "reason", "sequence-gap"));
    }

    @Test
    void concurrentPublishesFromOneProcessArriveInSequenceOrderWithoutAGapFlush() throws Exception {
        RegionCache a = instances.create("us");
        RegionCache b = instances.create("us");
        a.publisher().publishKeys(java.util.List.of(newKey())); // b learns a's sequence
        double before = b.metrics().count("cache.l1.flushes", "reason", "sequence-gap");
        double evictionsBefore = b.metrics().count("cache.l1.evictions.received");
        int threads = 16;
        int perThread = 100;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        a.publisher().publishKeys(java.util.List.of(newKey()));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Every message was acknowledged by b before its publish returned (or the ack wait timed out): count them.
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> b.metrics().count("cache.l1.evictions.received") - evictionsBefore >= threads * perThread);
        assertEquals(
                before,
                b.metrics().count("cache.l1.flushes", "reason", "sequence-gap"),
                "1,600 concurrent publishes caused no sequence-gap flush");
    }

    @Test
    void losingTheSubscriptionFlushesAndDisablesL1UntilItIsBack() throws Exception {
        RegionCache b = instances.create("eu");
        Instances.Rows rows = new Instances.Rows();
        String key = newKey();
        rows.versions.put(key, 1L);
        b.cache().get(key, rows.loaderFor("eu"));
        assertNotNull(b.l1().getIfPresent(key));

        StackControl.stopRedis("eu");
        try {
            await().atMost(10, TimeUnit.SECONDS).until(() -> !b.l1().isEnabled());
            assertNull(b.l1().getIfPresent(key));
            assertTrue(b.metrics().count("cache.l1.flushes", "reason", "subscription-lost") >= 1);
            // Reads still answer, from the source of truth, without caching anything.
            CachedValue v = b.cache().get(key, rows.loaderFor("eu"));
            assertEquals(CachedValue.Source.DB, v.source());
            assertFalse(b.l1().isEnabled());
        } finally {
            StackControl.startRedis("eu");
        }
        await().atMost(30, TimeUnit.SECONDS)
                .until(() -> b.l1().isEnabled() && b.subscriber().isSubscribed());
        assertTrue(b.metrics().count("cache.l1.flushes", "reason", "resubscribed") >= 1);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            b.cache().get(key, rows.loaderFor("eu"));
            assertEquals(
                    CachedValue.Source.L1,
                    b.cache().get(key, rows.loaderFor("eu")).source());
        });
    }

    @Test
    void negativeEntriesAreCachedAndACreateClearsThem() throws Exception {
        RegionCache a = instances.create("us");
        Instances.Rows rows = new Instances.Rows();
        String key = newKey();
        assertTrue(a.cache().get(key, rows.loaderFor("us")).isNegative());
        assertTrue(a.cache().get(key, rows.loaderFor("us")).isNegative());
        assertEquals(1, rows.reads("us"), "the miss was cached");

        rows.versions.put(key, 1L);
        long id = Long.parseLong(key.replaceAll(".*\\{(\\d+)}", "$1"));
        a.invalidator().invalidate(KeyMapper.map(RowChange.of("products", RowChange.Op.CREATE, "id", id)));
        assertEquals(1L, a.cache().get(key, rows.loaderFor("us")).version());
    }
}
