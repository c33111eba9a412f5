package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.FaultProxy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * An instance that does not acknowledge an eviction (its subscription is blackholed: open, silent) must not go on
 * serving the old value: after the write answers, it stops serving L1 within the lease (200 ms). Before the lease
 * it served the stale entry until the 1 s liveness PING flushed it (~950 ms after the write answered).
 */
class L1LeaseTest {

    private static final long BOUND_MS = 250;

    @Test
    void anUnacknowledgedEvictionStopsTheSilentInstanceServingWithinTheLease() throws Exception {
        try (FaultProxy proxy = TestRegionCaches.redisProxy("us");
                RegionCache silent = TestRegionCaches.instance(proxy, "us");
                RegionCache writer = TestRegionCaches.instance("us")) {
            String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(6_000_000, 7_000_000));
            silent.cache().get(key, k -> new Loader.Loaded("{}", 1));
            await().atMost(2, TimeUnit.SECONDS).until(() -> silent.l1().getIfPresent(key) != null);
            double timeoutsBefore = writer.metrics().count("cache.l1.broadcast.ack.timeouts");

            proxy.blackhole();
            assertTrue(writer.invalidator()
                    .invalidate(KeyMapper.Invalidation.keys(key))
                    .complete());
            long answeredAt = System.nanoTime();
            assertEquals(
                    timeoutsBefore + 1,
                    writer.metrics().count("cache.l1.broadcast.ack.timeouts"),
                    "the silent instance did not acknowledge");

            // Poll (no sleep): the first moment the silent instance no longer serves the old entry.
            while (silent.l1().getIfPresent(key) != null) {
                Thread.onSpinWait();
                assertTrue((System.nanoTime() - answeredAt) / 1_000_000 < 5_000, "still serving after 5 s");
            }
            long servedForMs = (System.nanoTime() - answeredAt) / 1_000_000;
            assertTrue(servedForMs <= BOUND_MS, "served the old value " + servedForMs + " ms after the write answered");
            assertNull(silent.cache().getIfPresentL1(key, k -> null));
            assertTrue(silent.metrics().count("cache.l1.lease.lapses") >= 1);

            proxy.reset();
            await().atMost(10, TimeUnit.SECONDS).until(() -> silent.l1().servable());
        }
    }
}
