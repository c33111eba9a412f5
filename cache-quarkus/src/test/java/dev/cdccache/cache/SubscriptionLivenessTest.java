package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.FaultProxy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A blackholed Redis connection (open, silent) is detected by the subscription PING, not left to TCP. */
class SubscriptionLivenessTest {

    @Test
    void aBlackholedSubscriptionFlushesAndDisablesL1AndRecovers() throws Exception {
        try (FaultProxy proxy = TestRegionCaches.redisProxy("us");
                RegionCache rc = TestRegionCaches.instance(proxy, "us")) {
            String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(5_000_000, 6_000_000));
            Loader loader = k -> new Loader.Loaded("{}", 1);
            rc.cache().get(key, loader);
            assertNotNull(rc.l1().getIfPresent(key));

            proxy.blackhole();
            // L1 is switched off first, then flushed and counted: await the count, or the test can read it between
            // the two (it did, once, in CI).
            await().atMost(5, TimeUnit.SECONDS)
                    .until(() -> !rc.l1().isEnabled()
                            && rc.metrics().count("cache.l1.flushes", "reason", "subscription-stalled") >= 1);
            assertNull(rc.l1().getIfPresent(key));
            assertEquals(1.0, rc.metrics().count("cache.l1.flushes", "reason", "subscription-stalled"));

            proxy.reset();
            await().atMost(10, TimeUnit.SECONDS).until(() -> rc.l1().isEnabled());
            assertTrue(rc.metrics().count("cache.l1.flushes", "reason", "liveness-restored")
                            + rc.metrics().count("cache.l1.flushes", "reason", "resubscribed")
                    >= 1);
        }
    }
}
