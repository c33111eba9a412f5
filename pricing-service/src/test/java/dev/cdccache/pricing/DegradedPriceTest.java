package dev.cdccache.pricing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Prices fail explicitly: with PostgreSQL unreachable a price past its L2 TTL is answered 503 problem with
 * {@code Retry-After}, never from a kept value — even when a grace period is configured for the catalog.
 */
@QuarkusTest
@TestProfile(DegradedPriceTest.ShortTtl.class)
@QuarkusTestResource(BackingServicesResource.class)
class DegradedPriceTest {

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(UnreachablePriceRepository.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cache.price.l2-ttl", "1s",
                    "cache.price.l1-ttl", "200ms",
                    "cache.price.jitter", "0",
                    "cache.catalog.stale-grace", "1m");
        }
    }

    @Inject
    RegionCache cache;

    @AfterEach
    void up() {
        UnreachablePriceRepository.down = false;
    }

    @Test
    void pastItsTtlAPriceIsA503ProblemNeverAStaleValue() {
        long id = 9311;
        cache.l2().delete(List.of(CacheKeys.price(id)));
        given().get("/prices/" + id).then().statusCode(200).header("X-Cache", "DB");

        UnreachablePriceRepository.down = true;
        Response failed = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/prices/" + id), r -> r.statusCode() != 200);
        assertEquals(503, failed.statusCode(), failed.asString());
        failed.then()
                .contentType("application/problem+json")
                .header("Retry-After", equalTo("2"))
                .body("detail", containsString("database unavailable"));
        // Every later read fails the same way while the database is down: none is answered from the kept value.
        for (int i = 0; i < 5; i++) {
            given().get("/prices/" + id).then().statusCode(503);
        }
        UnreachablePriceRepository.down = false;
        given().get("/prices/" + id).then().statusCode(200).header("X-Cache", "DB");
    }
}
