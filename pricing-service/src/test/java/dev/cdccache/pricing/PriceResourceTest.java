package dev.cdccache.pricing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class PriceResourceTest {

    @jakarta.inject.Inject
    dev.cdccache.support.cache.ProductIdFilter productIds;

    /** No such product, so no price: the id filter answers without Redis or PostgreSQL. */
    @Test
    void thePriceOfAProductThatDoesNotExistIsAnsweredByTheIdFilter() throws Exception {
        java.util.List<Long> deleted = new java.util.ArrayList<>();
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO products (sku, name, category) VALUES (?, 'n', 'gone') RETURNING id")) {
            for (int i = 0; i < 5; i++) {
                ps.setString(1, "gone-" + System.nanoTime() + "-" + i);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    deleted.add(rs.getLong(1));
                }
            }
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("DELETE FROM products WHERE category = 'gone'");
            }
        }
        productIds.refresh();
        long unknown = deleted.stream()
                .filter(id -> !productIds.mightExist(id))
                .findFirst()
                .orElseThrow();
        given().get("/prices/" + unknown)
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .header("X-Cache", "FILTER");
    }

    private static long[] dbPrice(long productId) throws Exception {
        try (Connection c = StackControl.database();
                PreparedStatement ps =
                        c.prepareStatement("SELECT amount_minor, version FROM prices WHERE product_id = ?")) {
            ps.setLong(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : null;
            }
        }
    }

    /** Before the guard, repeated large repricings overflowed bigint in PostgreSQL and answered 500. */
    @Test
    void aRepricingThatWouldExceedTheMaximumPriceChangesNothingAndIs422() throws Exception {
        String category = "overflow-" + System.nanoTime() % 1_000_000;
        long[] ids = new long[2];
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO products (sku, name, category) VALUES (?, 'n', ?) RETURNING id")) {
            for (int i = 0; i < ids.length; i++) {
                ps.setString(1, category + "-" + i);
                ps.setString(2, category);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    ids[i] = rs.getLong(1);
                }
            }
        }
        given().contentType(ContentType.JSON)
                .body(Map.of("amountMinor", 100, "currency", "USD"))
                .put("/prices/" + ids[0])
                .then()
                .statusCode(201);
        given().contentType(ContentType.JSON)
                .body(Map.of("amountMinor", 99_000_000_000L, "currency", "USD"))
                .put("/prices/" + ids[1])
                .then()
                .statusCode(201);

        given().contentType(ContentType.JSON)
                .body(Map.of("category", category, "percent", 5))
                .post("/prices/bulk")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("detail", containsString("above the maximum"));
        assertEquals(100, dbPrice(ids[0])[0], "all or nothing: the small price did not move either");
        assertEquals(99_000_000_000L, dbPrice(ids[1])[0]);
        assertEquals(1, dbPrice(ids[0])[1]);

        given().contentType(ContentType.JSON)
                .body(Map.of("category", category, "percent", 1))
                .post("/prices/bulk")
                .then()
                .statusCode(200)
                .body("updated", equalTo(2));
    }

    @Test
    void priceWriteInvalidatesThePriceAndTheCatalogViewInItsRegion() throws Exception {
        long id = 1202; // not in "books", which the bulk test reprices
        try (RegionCache catalogInstance = TestRegionCaches.instance("us");
                RegionCache eu = TestRegionCaches.instance("eu")) {
            Loader viewLoader = k -> new Loader.Loaded("{\"view\":true}", 1);
            catalogInstance.cache().get(CacheKeys.productView(id), viewLoader); // the catalog's cached view, L1 + L2
            eu.cache().get(CacheKeys.productView(id), viewLoader);
            given().get("/prices/" + id)
                    .then()
                    .statusCode(200)
                    .header("X-Cache", "DB")
                    .header("X-Version", "1");

            given().contentType(ContentType.JSON)
                    .header("If-Match", "\"1\"")
                    .body(Map.of("amountMinor", 4242, "currency", "EUR"))
                    .put("/prices/" + id)
                    .then()
                    .statusCode(200)
                    .body("version", equalTo(2));

            given().get("/prices/" + id)
                    .then()
                    .statusCode(200)
                    .header("X-Version", "2")
                    .body("amountMinor", equalTo(4242))
                    .body("currency", equalTo("EUR"));
            assertNull(catalogInstance.l2().get(CacheKeys.productView(id)), "catalog view deleted from us L2");
            assertNull(catalogInstance.l1().getIfPresent(CacheKeys.productView(id)), "catalog instance's L1 evicted");
            // The write path only reaches its own region; eu is the CDC invalidator's job.
            assertTrue(eu.l2().get(CacheKeys.productView(id)) != null, "eu untouched by the write path");
        }
    }

    @Test
    void putCreatesAMissingPriceAndClearsTheNegativeEntry() throws Exception {
        long productId;
        // catalog-service is not running here: create the product row directly, as catalog would.
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO products (sku, name, category) VALUES (?, 'n', 'testing') RETURNING id")) {
            ps.setString(1, "P-" + System.nanoTime());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                productId = rs.getLong(1);
            }
        }
        given().get("/prices/" + productId).then().statusCode(404).contentType("application/problem+json");
        given().get("/prices/" + productId).then().statusCode(404).header("X-Cache", "L1");
        given().contentType(ContentType.JSON)
                .body(Map.of("amountMinor", 100, "currency", "USD"))
                .put("/prices/" + productId)
                .then()
                .statusCode(201)
                .body("version", equalTo(1));
        given().get("/prices/" + productId).then().statusCode(200).body("amountMinor", equalTo(100));
    }

    @Test
    void bulkRepricingChangesACategoryInOneTransactionAndInvalidatesEveryKey() throws Exception {
        try (RegionCache catalogInstance = TestRegionCaches.instance("us")) {
            Loader viewLoader = k -> new Loader.Loaded("{}", 1);
            // books: ids 1, 41, 81, ... (seeded round-robin over 40 categories)
            for (long id = 1; id <= 10_000; id += 40) {
                catalogInstance.cache().get(CacheKeys.productView(id), viewLoader);
            }
            long before = dbPrice(41)[0];
            given().contentType(ContentType.JSON)
                    .body(Map.of("category", "books", "percent", 10))
                    .post("/prices/bulk")
                    .then()
                    .statusCode(200)
                    .body("updated", equalTo(250))
                    .body("invalidatedKeys", equalTo(500))
                    .body("l2Deleted", equalTo(true))
                    .body("l1EvictionSent", equalTo(true));
            assertEquals(Math.round(before * 1.10), dbPrice(41)[0]);
            for (long id = 1; id <= 10_000; id += 40) {
                assertNull(catalogInstance.l2().get(CacheKeys.productView(id)), "view " + id + " deleted");
                assertNull(catalogInstance.l1().getIfPresent(CacheKeys.productView(id)), "view " + id + " evicted");
            }
            given().get("/prices/41").then().statusCode(200).header("X-Version", String.valueOf(dbPrice(41)[1]));
        }
    }

    private static ValidatableResponse problem(ValidatableResponse r, int status) {
        return r.statusCode(status).contentType("application/problem+json").body("status", equalTo(status));
    }

    @Test
    void badInputIsRejectedWithProblemsAndChangesNothing() throws Exception {
        long id = 1302;
        long[] before = dbPrice(id);
        problem(
                        given().contentType(ContentType.JSON)
                                .body(Map.of("amountMinor", -1, "currency", "usd"))
                                .put("/prices/" + id)
                                .then(),
                        400)
                .body("violations.field", hasItem("currency"))
                .body("violations.field", hasItem("amountMinor"));
        problem(
                given().contentType(ContentType.JSON)
                        .body("{\"amountMinor\": 5")
                        .put("/prices/" + id)
                        .then(),
                400);
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("amountMinor", 5, "currency", "USD"))
                        .put("/prices/99999999")
                        .then(),
                404);
        problem(
                        given().contentType(ContentType.JSON)
                                .body(Map.of("amountMinor", 5, "currency", "USD", "version", 9))
                                .put("/prices/" + id)
                                .then(),
                        409)
                .body("detail", containsString("version"));
        problem(
                given().contentType(ContentType.XML)
                        .body("<price/>")
                        .put("/prices/" + id)
                        .then(),
                415);
        problem(
                given().contentType(ContentType.JSON)
                        .body("{\"currency\":\"" + "X".repeat(20_000) + "\"}")
                        .put("/prices/" + id)
                        .then(),
                413);
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("category", "books", "percent", -95))
                        .post("/prices/bulk")
                        .then(),
                400);
        problem(given().get("/prices/zero").then(), 400);
        long[] after = dbPrice(id);
        assertEquals(before[0], after[0]);
        assertEquals(before[1], after[1]);
    }
}
