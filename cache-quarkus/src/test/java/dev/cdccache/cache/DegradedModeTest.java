package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Degraded modes per data class, against real Redis. Catalog (a grace period): with the database down, a value
 * past its TTL is served marked L2-STALE, with how far past it is, and cached nowhere; a value an invalidation
 * removed is never served. Price (no grace): the failure stands — never a stale price.
 */
class DegradedModeTest {

    private static final Duration TTL = Duration.ofMillis(400);
    private final List<RegionCache> created = new ArrayList<>();

    @AfterEach
    void close() {
        created.forEach(RegionCache::close);
    }

    private RegionCache instance(Duration catalogGrace) {
        RegionCache rc = TestRegionCaches.instance(new RegionCache.Settings(
                "us",
                10_000,
                500,
                Map.of(
                        DataClass.CATALOG,
                        new StalenessPolicy(TTL, Duration.ofMillis(100), TTL, 0, catalogGrace),
                        DataClass.PRICE,
                        new StalenessPolicy(TTL, Duration.ofMillis(100), TTL, 0)),
                LayeredCache.LeaseSettings.DEFAULT));
        created.add(rc);
        return rc;
    }

    /** A source of truth that can go down (as DbGuard reports PostgreSQL unreachable). */
    private static final class Source {
        volatile boolean down;
        volatile long version = 1;

        Loader loader() {
            return key -> {
                if (down) {
                    throw new SourceUnavailable("database unavailable", 2);
                }
                return new Loader.Loaded("{\"v\":" + version + "}", version);
            };
        }
    }

    private static long id() {
        return ThreadLocalRandom.current().nextLong(30_000_000, 40_000_000);
    }

    @Test
    void catalogServesItsLastValuePastTheTtlWhileTheDatabaseIsDown() throws Exception {
        RegionCache rc = instance(Duration.ofSeconds(30));
        Source db = new Source();
        String key = CacheKeys.productView(id());
        assertEquals(CachedValue.Source.DB, rc.cache().get(key, db.loader()).source());
        db.down = true;
        // Within the TTL: an ordinary hit. Past it: the database is asked, fails, and the kept value answers.
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> rc.cache().get(key, db.loader()).source() == CachedValue.Source.L2_STALE);
        CachedValue stale = rc.cache().get(key, db.loader());
        assertEquals(CachedValue.Source.L2_STALE, stale.source());
        assertEquals(1, stale.version());
        assertTrue(stale.staleForMillis() >= 0 && stale.staleForMillis() < 30_000, "" + stale.staleForMillis());
        assertEquals("L2-STALE", stale.source().header());
        assertNull(rc.cache().getIfPresentL1(key, db.loader()), "a stale value is cached nowhere");
        assertTrue(rc.metrics().count("cache.reads", "tier", "L2_STALE", "data_class", "CATALOG") >= 2);

        // The database is back: the next read loads the current row and the entry is fresh again.
        db.down = false;
        db.version = 2;
        CachedValue fresh = rc.cache().get(key, db.loader());
        assertEquals(CachedValue.Source.DB, fresh.source());
        assertEquals(2, fresh.version());
    }

    @Test
    void anInvalidatedCatalogValueIsNeverServedStale() throws Exception {
        RegionCache rc = instance(Duration.ofSeconds(30));
        Source db = new Source();
        long id = id();
        String key = CacheKeys.productView(id);
        rc.cache().get(key, db.loader());
        assertTrue(rc.invalidator()
                .invalidate(KeyMapper.map(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, id, 2)))
                .complete());
        db.down = true;
        SourceUnavailable e =
                assertThrows(SourceUnavailable.class, () -> rc.cache().get(key, db.loader()));
        assertEquals(2, e.retryAfterSeconds());
    }

    @Test
    void aPriceIsNeverServedPastItsTtl() throws Exception {
        RegionCache rc = instance(Duration.ofSeconds(30));
        Source db = new Source();
        String key = CacheKeys.price(id());
        rc.cache().get(key, db.loader());
        db.down = true;
        awaitFailure(rc, key, db);
        assertEquals(0.0, rc.metrics().count("cache.reads", "tier", "L2_STALE", "data_class", "PRICE"));
    }

    @Test
    void withoutAGraceTheCatalogFailsToo() throws Exception {
        RegionCache rc = instance(Duration.ZERO);
        Source db = new Source();
        String key = CacheKeys.productView(id());
        rc.cache().get(key, db.loader());
        db.down = true;
        awaitFailure(rc, key, db);
    }

    /** Reads until the read fails (the entry's TTL passed and the database is down); a hit within the TTL is fine. */
    private static void awaitFailure(RegionCache rc, String key, Source db) {
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    try {
                        rc.cache().get(key, db.loader());
                        return false;
                    } catch (SourceUnavailable expected) {
                        return true;
                    }
                });
    }
}
