package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cdccache.stack.FaultProxy;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A Redis that answers nothing (blackholed: open, silent) fails an L2 read by the port's timeout; the database
 * answers, and the failure is counted as {@code cache.l2.unavailable{op=read,cause=timeout}}, not as an error:
 * a slow Redis and a broken one call for different fixes, and the hot-key benchmark names them apart.
 */
class L2ReadFailureCauseTest {

    @Test
    void aSilentRedisCountsAsATimeoutAndTheDatabaseAnswers() throws Exception {
        try (FaultProxy proxy = TestRegionCaches.redisProxy("us");
                RegionCache rc = TestRegionCaches.instance(proxy, "us")) {
            String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(8_000_000, 9_000_000));
            proxy.blackhole();

            CachedValue v = rc.cache().get(key, k -> new Loader.Loaded("{\"v\":7}", 7));

            assertEquals(CachedValue.Source.DB, v.source());
            assertEquals(7, v.version());
            assertEquals(1, rc.metrics().count("cache.l2.unavailable", "op", "read", "cause", "timeout"));
            assertEquals(0, rc.metrics().count("cache.l2.unavailable", "op", "read", "cause", "error"));
            assertEquals(0, rc.metrics().count("cache.l2.unavailable", "op", "read", "cause", "circuit-open"));
            proxy.reset();
        }
    }
}
