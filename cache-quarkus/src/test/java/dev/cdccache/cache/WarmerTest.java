package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The warming gate against real Redis: traffic on one instance heats keys; a new instance warms the region's hot
 * set, is not done while a load is still blocked, and once done serves those keys from L1 at its first reads.
 */
class WarmerTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void aNewInstanceIsWarmOnlyOnceTheHotSetIsCachedAndItsFirstReadsAreHits() throws Exception {
        RegionCache traffic = instances.create("eu");
        long base = ThreadLocalRandom.current().nextLong(90_000_000, 95_000_000);
        List<String> hot = java.util.stream.LongStream.range(base, base + 12)
                .mapToObj(CacheKeys::price)
                .toList();
        for (int i = 0; i < 4_000; i++) {
            for (String key : hot) {
                traffic.cache().hotKeys().record(key);
            }
        }
        traffic.cache().hotKeys().publish();

        RegionCache starting = instances.create("eu");
        CountDownLatch database = new CountDownLatch(1);
        Loader blocked = key -> {
            assertTrue(database.await(20, TimeUnit.SECONDS));
            return new Loader.Loaded("{\"k\":\"" + key + "\"}", 3);
        };
        Warmer warmer =
                new Warmer(starting.cache(), key -> CacheKeys.priceId(key).map(id -> blocked), 4, 10_000);
        List<String> hotSet = starting.cache().hotKeys().regional(200).stream()
                .map(HotKeys.Entry::key)
                .toList();
        assertTrue(hotSet.containsAll(hot), "the region's hot set has the heated keys: " + hotSet);
        warmer.start(hotSet.stream().filter(hot::contains).toList());

        assertFalse(warmer.done(), "not warm while the database has not answered");
        assertEquals(0, warmer.progress().warmed());
        database.countDown();
        await().atMost(Duration.ofSeconds(10)).until(warmer::done);
        assertEquals(12, warmer.progress().keys());
        assertEquals(12, warmer.progress().warmed());
        for (String key : hot) {
            assertNotNull(starting.l1().peek(key), key + " in L1");
            CachedValue first = starting.cache().get(key, k -> {
                throw new AssertionError("a warmed key must not be loaded again");
            });
            assertEquals(CachedValue.Source.L1, first.source());
        }
        warmer.stop();
    }

    @Test
    void keysThisServiceDoesNotServeAreSkipped() {
        RegionCache starting = instances.create("us");
        Warmer warmer = new Warmer(starting.cache(), key -> Optional.empty(), 2, 1_000);
        warmer.start(List.of(CacheKeys.productView(1), CacheKeys.price(2)));
        assertTrue(warmer.done());
        assertEquals(0, warmer.progress().keys());
    }
}
