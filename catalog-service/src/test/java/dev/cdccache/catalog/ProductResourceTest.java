package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.DataClass;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;

@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class ProductResourceTest {

    static long createProduct(String sku) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("sku", sku, "name", "Test " + sku, "description", "d", "category", "testing"))
                .post("/products")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getLong("id");
    }

    static long dbVersion(long id) throws Exception {
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement("SELECT version FROM products WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    /** Before: the view's ETag was the product row's version only, so a price change left it unchanged. */
    @Test
    void theViewsEntityTagFollowsItsPriceAndStillServesAsIfMatch() throws Exception {
        long id = 1501;
        var first = given().get("/products/" + id).then().statusCode(200).extract();
        try (Connection c = StackControl.database();
                PreparedStatement ps =
                        c.prepareStatement("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = ?")) {
            ps.setLong(1, id);
            assertEquals(1, ps.executeUpdate());
        }
        // What the CDC invalidator does in the stack: this region's view of the product is invalidated.
        try (RegionCache region = TestRegionCaches.instance("us")) {
            region.invalidator()
                    .invalidate(dev.cdccache.cache.KeyMapper.map(
                            dev.cdccache.cache.CachedTable.PRICES.change(dev.cdccache.cache.RowChange.Op.UPDATE, id)));
        }
        var second = given().get("/products/" + id).then().statusCode(200).extract();
        assertEquals(first.header("X-Version"), second.header("X-Version"), "the product row did not change");
        org.junit.jupiter.api.Assertions.assertNotEquals(
                first.header("ETag"), second.header("ETag"), "the representation did: its price");

        given().contentType("application/merge-patch+json")
                .header("If-Match", second.header("ETag"))
                .body(Map.of("name", "tagged " + id))
                .patch("/products/" + id)
                .then()
                .statusCode(200);
        given().contentType("application/merge-patch+json")
                .header("If-Match", first.header("ETag"))
                .body(Map.of("name", "stale " + id))
                .patch("/products/" + id)
                .then()
                .statusCode(409);
    }

    /** The OpenAPI document says what every error answer is: an RFC 9457 problem, declared once (ProblemResponses). */
    @Test
    void theOpenApiDocumentDescribesEveryErrorAsAProblem() {
        given().accept("application/json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body("components.schemas.Problem.properties.detail.type", equalTo("string"))
                .body(
                        "paths.'/products/{id}'.put.responses.'409'.content.'application/problem+json'.schema.$ref",
                        equalTo("#/components/schemas/Problem"))
                .body(
                        "paths.'/products'.post.responses.'415'.content.'application/problem+json'.schema.$ref",
                        equalTo("#/components/schemas/Problem"))
                .body("paths.'/products/{id}'.get.responses.'200'.content.'application/problem+json'", equalTo(null));
    }

    @Test
    void readsShowTheirTierRegionAndVersion() {
        given().get("/products/17")
                .then()
                .statusCode(200)
                .header("X-Cache", "DB")
                .header("X-Region", "us")
                .header("X-Version", "1")
                .body("id", equalTo(17))
                .body("category", notNullValue())
                .body("price.currency", equalTo("USD"));
        given().get("/products/17")
                .then()
                .statusCode(200)
                .header("X-Cache", "L1")
                .header("X-Version", "1");
    }

    @Test
    void unknownIdIs404AndTheNegativeEntryIsClearedByCreate() {
        given().get("/products/987654321")
                .then()
                .statusCode(404)
                .contentType("application/problem+json")
                .header("X-Cache", "DB")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"));
        given().get("/products/987654321").then().statusCode(404).header("X-Cache", "L1");

        long id = createProduct("NEG-" + System.nanoTime());
        given().get("/products/" + id).then().statusCode(200);
    }

    @Test
    void readYourWriteInThisInstanceAndAnotherInstanceOfTheRegion() throws Exception {
        long id = createProduct("RYW-" + System.nanoTime());
        String key = CacheKeys.productView(id);
        // A second process of region us, wired exactly as the service wires itself.
        try (RegionCache other = TestRegionCaches.instance("us")) {
            Loader viaDb = k -> new Loader.Loaded("{}", dbVersion(id));
            given().get("/products/" + id).then().header("X-Version", "1");
            given().get("/products/" + id).then().header("X-Cache", "L1");
            assertEquals(1, other.cache().get(key, viaDb).version());
            assertEquals(DataClass.CATALOG, CacheKeys.dataClassOf(key));

            for (int v = 2; v <= 4; v++) {
                given().contentType(ContentType.JSON)
                        .header("If-Match", "\"" + (v - 1) + "\"")
                        .body(Map.of("name", "renamed " + v))
                        .patch("/products/" + id)
                        .then()
                        .statusCode(200)
                        .body("version", equalTo(v));
                // No waiting: the write answered only after DEL + acknowledged L1 eviction.
                given().get("/products/" + id)
                        .then()
                        .statusCode(200)
                        .header("X-Version", String.valueOf(v))
                        .body("name", equalTo("renamed " + v));
                assertNull(
                        other.l1().getIfPresent(key), "the other instance's L1 was evicted before the write answered");
                assertEquals(v, other.cache().get(key, viaDb).version());
            }
        }
    }

    @Test
    void putReplacesAndDeleteRemoves() {
        long id = createProduct("PUT-" + System.nanoTime());
        given().get("/products/" + id).then().statusCode(200);
        given().contentType(ContentType.JSON)
                .body(Map.of("sku", "PUT2-" + id, "name", "replaced", "category", "testing", "version", 1))
                .put("/products/" + id)
                .then()
                .statusCode(200)
                .body("version", equalTo(2));
        given().get("/products/" + id)
                .then()
                .statusCode(200)
                .body("name", equalTo("replaced"))
                .body("description", equalTo(""));
        given().delete("/products/" + id).then().statusCode(204);
        given().get("/products/" + id).then().statusCode(404);
    }

    @Test
    void listsACategoryPaged() {
        given().queryParam("category", "books")
                .queryParam("size", 5)
                .get("/products")
                .then()
                .statusCode(200)
                .body("items.size()", equalTo(5))
                .body("total", equalTo(250))
                .body("items[0].category", equalTo("books"));
        given().get("/products").then().statusCode(400).contentType("application/problem+json");
        given().queryParam("category", "books")
                .queryParam("size", 5000)
                .get("/products")
                .then()
                .statusCode(400);
    }
}
