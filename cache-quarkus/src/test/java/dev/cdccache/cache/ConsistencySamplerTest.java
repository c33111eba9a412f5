package dev.cdccache.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Correctness sampling against real Redis: every hit is sampled (rate 1) with a 1 s budget. Healthy writes
 * (invalidated) produce checks and no inconsistency; a write whose invalidation is lost is reported within one
 * sampling window (two budgets) for both tiers; an invalidation that lands after the first look but within the
 * budget is a suspect, not an inconsistency.
 */
class ConsistencySamplerTest {

    private static final Duration BUDGET = Duration.ofSeconds(1);
    private final List<RegionCache> created = new ArrayList<>();

    @AfterEach
    void close() {
        created.forEach(RegionCache::close);
    }

    private RegionCache sampled() {
        RegionCache rc = TestRegionCaches.instance(new RegionCache.Settings(
                "us",
                10_000,
                500,
                Map.of(),
                LayeredCache.LeaseSettings.DEFAULT,
                new ConsistencySampler.Settings(
                        1.0,
                        1_000,
                        Map.of(DataClass.CATALOG, BUDGET, DataClass.PRICE, BUDGET),
                        Duration.ofMinutes(1))));
        created.add(rc);
        return rc;
    }

    private static long id() {
        return ThreadLocalRandom.current().nextLong(20_000_000, 30_000_000);
    }

    private static KeyMapper.Invalidation write(long id, long version) {
        return KeyMapper.map(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, id, version));
    }

    private static double count(RegionCache rc, String name, String tier) {
        return rc.metrics().count(name, "tier", tier, "data_class", "CATALOG");
    }

    @Test
    void healthyWritesAreCheckedAndNeverInconsistent() throws Exception {
        RegionCache reader = sampled();
        Instances.Rows rows = new Instances.Rows();
        Loader loader = rows.loaderFor("us");
        long[] ids = {id(), id(), id()};
        for (long id : ids) {
            rows.versions.put(CacheKeys.productView(id), 1L);
            reader.cache().get(CacheKeys.productView(id), loader); // miss: fills L1 and L2
            assertEquals(
                    CachedValue.Source.L1,
                    reader.cache().get(CacheKeys.productView(id), loader).source());
        }
        // Each row changes and its writer invalidates, as the services do.
        for (long id : ids) {
            rows.versions.put(CacheKeys.productView(id), 2L);
            assertTrue(reader.invalidator().invalidate(write(id, 2)).complete());
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> count(reader, "cache.consistency.checks", "L1") >= ids.length);
        assertEquals(0.0, count(reader, "cache.inconsistencies", "L1"));
        assertEquals(0.0, count(reader, "cache.consistency.suspects", "L1"));
        assertEquals(1.0, gauge(reader, "cache.consistency.ratio"));
    }

    @Test
    void aLostInvalidationIsReportedWithinOneWindowInBothTiers() throws Exception {
        RegionCache l2Reader = sampled();
        RegionCache l1Reader = sampled();
        Instances.Rows rows = new Instances.Rows();
        long id = id();
        String key = CacheKeys.productView(id);
        rows.versions.put(key, 1L);
        l1Reader.cache().get(key, rows.loaderFor("us")); // fills L2 and l1Reader's L1
        l1Reader.cache().get(key, rows.loaderFor("us")); // an L1 hit (sampled)
        assertEquals(
                CachedValue.Source.L2,
                l2Reader.cache().get(key, rows.loaderFor("us")).source(),
                "an L2 hit (sampled); L1 of l2Reader is not read again");
        // The row changes; its DEL and eviction are lost (and no CDC runs here).
        long wrote = System.nanoTime();
        rows.versions.put(key, 2L);

        await().atMost(BUDGET.multipliedBy(2).plusSeconds(3))
                .until(() -> count(l2Reader, "cache.inconsistencies", "L2") >= 1
                        && count(l1Reader, "cache.inconsistencies", "L1") >= 1);
        long reportedAfterMs = (System.nanoTime() - wrote) / 1_000_000;
        assertTrue(reportedAfterMs < BUDGET.multipliedBy(2).toMillis() + 3_000, "reported after " + reportedAfterMs);
        assertTrue(gauge(l2Reader, "cache.consistency.ratio") < 1.0);

        // Once someone invalidates, the follow-up records how long the entry was stale (at least one budget).
        assertTrue(l2Reader.invalidator().invalidate(write(id, 2)).complete());
        await().atMost(BUDGET.multipliedBy(3).plusSeconds(3))
                .until(() -> staleness(l2Reader, "L2").count() == 1);
        assertTrue(staleness(l2Reader, "L2").max(java.util.concurrent.TimeUnit.MILLISECONDS) >= BUDGET.toMillis());
    }

    @Test
    void anInvalidationStillInFlightAtTheFirstLookIsASuspectNotAnInconsistency() throws Exception {
        RegionCache reader = sampled();
        Instances.Rows rows = new Instances.Rows();
        long id = id();
        String key = CacheKeys.productView(id);
        rows.versions.put(key, 1L);
        reader.cache().get(key, rows.loaderFor("us"));
        reader.cache().get(key, rows.loaderFor("us")); // L1 hit, sampled: first look one budget from now
        rows.versions.put(key, 2L);
        await().atMost(BUDGET.plusSeconds(3)).until(() -> count(reader, "cache.consistency.suspects", "L1") >= 1);
        // The invalidation arrives after the first look, within the budget of the second.
        assertTrue(reader.invalidator().invalidate(write(id, 2)).complete());
        await().atMost(BUDGET.plusSeconds(3)).until(() -> count(reader, "cache.consistency.checks", "L1") >= 1);
        assertEquals(0.0, count(reader, "cache.inconsistencies", "L1"));
    }

    @Test
    void twoInstancesServingDifferentVersionsAtOnceAreReported() throws Exception {
        RegionCache a = sampled();
        RegionCache b = sampled();
        Instances.Rows rows = new Instances.Rows();
        long id = id();
        String key = CacheKeys.productView(id);
        rows.versions.put(key, 1L);
        a.cache().get(key, rows.loaderFor("us"));
        a.cache().get(key, rows.loaderFor("us")); // a: version 1 in L1, sampled
        // The row changes; only b's view of it is refreshed (its DEL reached Redis, no eviction reached a).
        rows.versions.put(key, 2L);
        b.l2().delete(List.of(key));
        b.cache().get(key, rows.loaderFor("us"));
        assertEquals(2, b.cache().get(key, rows.loaderFor("us")).version()); // b: version 2 in L1, sampled
        await().atMost(BUDGET.multipliedBy(2).plusSeconds(3))
                .until(() -> crossDivergences(a) + crossDivergences(b) >= 1);
    }

    private static double crossDivergences(RegionCache rc) {
        return rc.metrics().count("cache.cross.instance.divergences", "data_class", "CATALOG");
    }

    private static double gauge(RegionCache rc, String name) {
        return rc.metrics().registry().get(name).tag("region", "us").gauge().value();
    }

    private static Timer staleness(RegionCache rc, String tier) {
        return rc.metrics()
                .registry()
                .get("cache.inconsistency.staleness")
                .tags("region", "us", "tier", tier, "data_class", "CATALOG")
                .timer();
    }
}
