package dev.cdccache.support.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.support.config.DbLimitConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The database limit queues a burst instead of failing it, and sheds only what waited its whole queue time. */
class DbGuardTest {

    private static DbLimitConfig limit(int max, Duration queueTimeout) {
        return new DbLimitConfig() {
            @Override
            public int initial() {
                return max;
            }

            @Override
            public int min() {
                return 1;
            }

            @Override
            public int max() {
                return max;
            }

            @Override
            public Duration queueTimeout() {
                return queueTimeout;
            }
        };
    }

    /** Before: a fixed bulkhead answered the loads beyond it with 503 at once. */
    @Test
    void aBurstBeyondTheLimitWaitsItsTurnAndTheDatabaseNeverSeesMoreThanTheLimit() throws Exception {
        DbGuard guard = new DbGuard(new SimpleMeterRegistry(), limit(2, Duration.ofSeconds(5)));
        ExecutorService pool = Executors.newFixedThreadPool(20);
        try {
            List<Future<Integer>> loads = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                loads.add(pool.submit(() -> guard.call(() -> {
                    TimeUnit.MILLISECONDS.sleep(20); // a database read that takes 20 ms
                    return n;
                })));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals(i, loads.get(i).get(10, TimeUnit.SECONDS), "served, not shed");
            }
            assertTrue(guard.peak() <= 2, "peak " + guard.peak());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDatabaseTooSlowForTheLoadIsShedAfterTheQueueTimeout() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        DbGuard guard = new DbGuard(registry, limit(2, Duration.ofMillis(100)));
        ExecutorService pool = Executors.newFixedThreadPool(10);
        AtomicInteger shed = new AtomicInteger();
        try {
            List<Future<?>> loads = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                loads.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    try {
                        return guard.call(() -> {
                            TimeUnit.MILLISECONDS.sleep(1000); // the database takes a second per read
                            return null;
                        });
                    } catch (DatabaseOverloaded e) {
                        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        assertTrue(waited >= 90, "shed only after waiting the queue timeout, waited " + waited);
                        shed.incrementAndGet();
                        return null;
                    }
                }));
            }
            for (Future<?> f : loads) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(8, shed.get(), "2 permits, 8 shed");
            assertEquals(8.0, registry.counter("cache.db.loads.shed").count());
            assertTrue(guard.peak() <= 2);
        } finally {
            pool.shutdownNow();
        }
    }
}
