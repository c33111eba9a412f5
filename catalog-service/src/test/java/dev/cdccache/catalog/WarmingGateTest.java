package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.support.cache.CacheWarmer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/**
 * An instance started after traffic heated products 6001-6030 in its region: it warmed them before its readiness
 * turned UP, and its first reads of them are L1 hits — none reaches PostgreSQL.
 */
@QuarkusTest
@TestProfile(WarmingGateTest.AfterTraffic.class)
@QuarkusTestResource(BackingServicesResource.class)
class WarmingGateTest {

    public static class AfterTraffic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // A long L1 TTL so the first reads, whenever they come, still find what warming left.
            return Map.of("cache.catalog.l1-ttl", "120s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(HeatedHotSet.class));
        }
    }

    @Inject
    CacheWarmer warmer;

    @Inject
    RegionCache cache;

    @Test
    void theHotSetIsCachedBeforeReadinessAndTheFirstReadsAreHits() {
        // Readiness turns UP only once warming completed (the hit-ratio path needs 100 reads; none were made).
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(30))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'cache-warming' }.status", equalTo("UP"))
                // The region's hot set: the 30 heated here, and whatever the module's earlier tests read.
                .body(
                        "checks.find { it.name == 'cache-warming' }.data.keys",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(HeatedHotSet.COUNT));
        assertEquals(warmer.progress().keys(), warmer.progress().warmed(), "every key of the hot set warmed");
        double loads = cache.metrics().count("cache.db.loads", "data_class", "CATALOG");
        for (long id = HeatedHotSet.FIRST; id < HeatedHotSet.FIRST + HeatedHotSet.COUNT; id++) {
            assertNotNull(cache.l1().peek(CacheKeys.productView(id)));
            given().get("/products/" + id).then().statusCode(200).header("X-Cache", "L1");
        }
        assertEquals(loads, cache.metrics().count("cache.db.loads", "data_class", "CATALOG"));
    }
}
