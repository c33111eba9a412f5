package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.support.cache.RedisGuard;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

/**
 * Reads that opened the Redis circuit breaker must not make a write skip its invalidation: before the fix one
 * breaker guarded both, and a write in that window answered 200 having deleted nothing and evicted nothing.
 */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class InvalidationGuardTest {

    @Inject
    RedisGuard readGuard;

    @Inject
    CircuitBreakerMaintenance breakers;

    @AfterEach
    void closeBreaker() {
        breakers.reset(RedisGuard.NAME);
    }

    @Test
    void aWriteInvalidatesAndSaysSoWhileTheReadBreakerIsOpen() throws Exception {
        long id = ProductResourceTest.createProduct("CB-" + System.nanoTime());
        String key = CacheKeys.productView(id);
        try (RegionCache other = TestRegionCaches.instance("us")) {
            Loader loader = k -> new Loader.Loaded("{}", ProductResourceTest.dbVersion(id));
            other.cache().get(key, loader);
            assertNotNull(other.l2().get(key));
            assertNotNull(other.l1().getIfPresent(key));

            for (int i = 0; i < 10; i++) { // slow reads, as under network latency to Redis
                try {
                    readGuard.call(() -> {
                        throw new IOException("read timed out");
                    });
                } catch (Exception expected) {
                    // counted by the breaker
                }
            }
            assertEquals(CircuitBreakerState.OPEN, breakers.currentState(RedisGuard.NAME));

            given().contentType(ContentType.JSON)
                    .body(Map.of("name", "renamed while the breaker is open"))
                    .patch("/products/" + id)
                    .then()
                    .statusCode(200)
                    .header("X-Cache-Invalidation", "complete");

            // No await: the write answered after its DEL and the acknowledged L1 eviction.
            assertNull(other.l2().get(key), "L2 entry deleted despite the open read breaker");
            assertNull(other.l1().getIfPresent(key), "the other instance's L1 evicted before the write answered");
        }
    }

    @Test
    void writesReportTheirInvalidationOutcome() {
        given().contentType(ContentType.JSON)
                .body(Map.of("sku", "HDR-" + System.nanoTime(), "name", "n", "description", "d", "category", "testing"))
                .post("/products")
                .then()
                .statusCode(201)
                .header("X-Cache-Invalidation", "complete");
    }
}
