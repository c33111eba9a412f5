package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.stack.BackingServicesResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class ChaosSwitchTest {

    private static final String TOKEN = "test-admin-token";

    @Inject
    RegionCache cache;

    private static void set(double dropDels, double dropBroadcast) {
        given().contentType(ContentType.JSON)
                .header("X-Admin-Token", TOKEN)
                .body(Map.of("dropDelRate", dropDels, "dropL1BroadcastRate", dropBroadcast))
                .put("/admin/chaos")
                .then()
                .statusCode(200)
                .body("dropDelRate", equalTo((float) dropDels));
    }

    @Test
    void theSwitchNeedsTheTokenAndValidInput() {
        given().get("/admin/chaos").then().statusCode(401).contentType("application/problem+json");
        given().header("X-Admin-Token", "wrong").get("/admin/chaos").then().statusCode(401);
        // The token is checked before the body: without it, an invalid or malformed body is still 401, not 400.
        given().contentType(ContentType.JSON)
                .body(Map.of("dropDelRate", 2, "dropL1BroadcastRate", 0))
                .put("/admin/chaos")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON)
                .body("{not json")
                .put("/admin/chaos")
                .then()
                .statusCode(401);
        given().contentType(ContentType.JSON)
                .header("X-Admin-Token", TOKEN)
                .body(Map.of("dropDelRate", 2, "dropL1BroadcastRate", 0))
                .put("/admin/chaos")
                .then()
                .statusCode(400);
        given().header("X-Admin-Token", TOKEN)
                .get("/admin/chaos")
                .then()
                .statusCode(200)
                .body("dropDelRate", equalTo(0.0f))
                .body("dropL1BroadcastRate", equalTo(0.0f));
    }

    @Test
    void droppingDelsLeavesTheStaleValueInL2AndCountsIt() {
        long id = 505;
        given().get("/products/" + id).then().statusCode(200);
        assertNotNull(cache.l2().get(CacheKeys.productView(id)));
        set(1.0, 0);
        try {
            given().contentType(ContentType.JSON)
                    .body(Map.of("name", "chaos"))
                    .patch("/products/" + id)
                    .then()
                    .statusCode(200)
                    .header("X-Cache-Invalidation", "deferred-to-cdc");
            assertNotNull(
                    cache.l2().get(CacheKeys.productView(id)), "the DEL was dropped: only CDC or the TTL can fix this");
            assertEquals(1.0, cache.metrics().count("cache.chaos.dropped", "what", "del"));
        } finally {
            set(0, 0);
        }
        given().contentType(ContentType.JSON)
                .body(Map.of("name", "healed"))
                .patch("/products/" + id)
                .then()
                .statusCode(200);
        assertNull(cache.l2().get(CacheKeys.productView(id)));
    }
}
