package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.stack.BackingServicesResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The catalog's degraded mode over HTTP: with PostgreSQL unreachable a product view past its L2 TTL is answered
 * from the kept value, {@code X-Cache: L2-STALE} with {@code X-Cache-Stale-Ms}; one never cached is a 503 problem
 * with {@code Retry-After}; when the database is back, the view is fresh again.
 */
@QuarkusTest
@TestProfile(DegradedCatalogTest.ShortTtl.class)
@QuarkusTestResource(BackingServicesResource.class)
class DegradedCatalogTest {

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(UnreachableProductRepository.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cache.catalog.l2-ttl", "1s",
                    "cache.catalog.l1-ttl", "200ms",
                    "cache.catalog.jitter", "0",
                    "cache.catalog.stale-grace", "1m");
        }
    }

    @Inject
    RegionCache cache;

    @AfterEach
    void up() {
        UnreachableProductRepository.down = false;
    }

    @Test
    void pastItsTtlTheLastViewIsServedMarkedStaleWhileTheDatabaseIsDown() {
        long cached = 9301;
        long never = 9302;
        cache.l2().delete(List.of(CacheKeys.productView(cached), CacheKeys.productView(never)));
        long version = given().get("/products/" + cached)
                .then()
                .statusCode(200)
                .header("X-Cache", "DB")
                .extract()
                .jsonPath()
                .getLong("version");

        UnreachableProductRepository.down = true;
        Response stale = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/products/" + cached), r -> "L2-STALE".equals(r.header("X-Cache")));
        assertEquals(200, stale.statusCode());
        assertEquals(version, stale.jsonPath().getLong("version"));
        long staleMs = Long.parseLong(stale.header("X-Cache-Stale-Ms"));
        assertTrue(staleMs >= 0 && staleMs < 60_000, "stale for " + staleMs + " ms");

        given().get("/products/" + never)
                .then()
                .statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", equalTo("2"))
                .body("detail", containsString("database unavailable"))
                .body(org.hamcrest.Matchers.not(containsString("PSQL")));

        UnreachableProductRepository.down = false;
        given().get("/products/" + cached).then().statusCode(200).header("X-Cache", "DB");
    }
}
