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
 * The stale-set race against a key-space flush (a truncate, a poison record's compensation, a CDC reset), made
 * deterministic: a reader that read before the truncate is released to fill exactly between the flush's two scans.
 * With keys scanned before leases the fill landed there and survived a full TTL; leases first reject it.
 */
class KeySpaceFlushRaceTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void aFillReadBeforeATruncateCannotSurviveTheKeySpaceFlush() throws Exception {
        RegionCache reader = instances.create("us");
        RegionCache invalidator = instances.create("us");
        Instances.Rows rows = new Instances.Rows();
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(3_000_000, 4_000_000));
        rows.versions.put(key, 1L);

        CountDownLatch atFill = new CountDownLatch(1);
        CountDownLatch releaseFill = new CountDownLatch(1);
        reader.cache().setFillHook(k -> {
            if (k.equals(key)) {
                atFill.countDown();
                assertTrue(releaseFill.await(10, TimeUnit.SECONDS));
            }
        });
        CompletableFuture<CachedValue> read = CompletableFuture.supplyAsync(() -> {
            try {
                return reader.cache().get(key, rows.loaderFor("us"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(atFill.await(10, TimeUnit.SECONDS), "the reader read version 1 and holds its lease");

        rows.versions.put(key, 2L); // the truncate-and-reload commits...
        invalidator.l2().setFlushHook(prefix -> {
            releaseFill.countDown(); // ...and the paused fill lands between the two scans
            try {
                read.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertTrue(invalidator
                    .invalidator()
                    .invalidate(KeyMapper.Invalidation.prefixes(CacheKeys.PRODUCT_VIEW_PREFIX))
                    .complete());
        } finally {
            invalidator.l2().setFlushHook(FlushHook.NONE);
        }
        assertEquals(1, read.get().version(), "the paused reader read before the truncate");

        CachedValue next = instances.create("us").cache().get(key, rows.loaderFor("us"));
        assertEquals(2, next.version(), "no pre-truncate value survived the flush");
    }
}
