package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The stale-set race, made deterministic: reader R misses, reads version 1 from the database and is paused before
 * its fill; the row becomes version 2 and the writer invalidates; R resumes and tries to fill version 1.
 */
class StaleSetRaceTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void leaseRejectsTheStaleFillAndTheNextReadSeesTheNewVersion() throws Exception {
        RaceOutcome outcome = runRace(L2Store.FillMode.LEASE_CHECKED);
        assertEquals(1, outcome.pausedReaderSaw, "the paused reader read before the write");
        assertEquals(1.0, outcome.rejectedFills, "the stale fill was rejected by the lease");
        assertEquals(2, outcome.nextReadVersion, "no stale value was cached");
    }

    @Test
    void withoutTheLeaseCheckTheSameRaceCachesTheStaleValue() throws Exception {
        // Proves the test above can fail: the same interleaving against an unguarded SET leaves version 1 in Redis.
        RaceOutcome outcome = runRace(L2Store.FillMode.UNGUARDED_FOR_TESTS);
        assertEquals(1, outcome.nextReadVersion, "unguarded fill wrote the stale value after the invalidation");
        assertEquals(0.0, outcome.rejectedFills);
    }

    private record RaceOutcome(long pausedReaderSaw, long nextReadVersion, double rejectedFills) {}

    private RaceOutcome runRace(L2Store.FillMode mode) throws Exception {
        RegionCache reader = instances.create("us", mode);
        RegionCache writer = instances.create("us", mode);
        Instances.Rows rows = new Instances.Rows();
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(1_000_000, 2_000_000));
        rows.versions.put(key, 1L);

        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        reader.cache().setFillHook(k -> {
            if (k.equals(key)) {
                paused.countDown();
                assertTrue(resume.await(10, TimeUnit.SECONDS));
            }
        });
        CompletableFuture<CachedValue> paused1 = CompletableFuture.supplyAsync(() -> {
            try {
                return reader.cache().get(key, rows.loaderFor("us"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(paused.await(10, TimeUnit.SECONDS), "reader reached its fill");

        rows.versions.put(key, 2L); // the write commits...
        assertTrue(writer.invalidator()
                .invalidate(KeyMapper.Invalidation.keys(key))
                .complete()); // ...and invalidates

        resume.countDown();
        CachedValue stale = paused1.get(10, TimeUnit.SECONDS);
        reader.cache().setFillHook(FillHook.NONE);

        CachedValue next = instances.create("us", mode).cache().get(key, rows.loaderFor("us"));
        return new RaceOutcome(
                stale.version(),
                next.version(),
                reader.metrics().count("cache.fills.rejected", "tier", "L2", "data_class", "CATALOG"));
    }
}
