package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.Set;

/**
 * L1 hits are answered by a Vert.x route ahead of JAX-RS: the same bytes and headers as the resource, and everything
 * it cannot answer the same way still reaches the resource.
 */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class L1HitRouteTest {

    private static final Set<String> SAME = Set.of("Content-Type", "ETag", "X-Version", "X-Region", "X-Instance");

    @Test
    void anL1HitIsTheResourcesAnswerWithoutTheResource() {
        long id = 1601;
        ExtractableResponse<Response> loaded =
                given().get("/products/" + id).then().statusCode(200).extract();
        assertEquals("DB", loaded.header("X-Cache"), "first read loads it");

        long before = ResourceRequests.PRODUCT_READS.get();
        for (int i = 0; i < 20; i++) {
            ExtractableResponse<Response> hit = given().header("Accept", i % 2 == 0 ? "*/*" : "application/json")
                    .get("/products/" + id)
                    .then()
                    .statusCode(200)
                    .extract();
            assertEquals("L1", hit.header("X-Cache"));
            for (String h : SAME) {
                assertEquals(loaded.header(h), hit.header(h), h);
            }
            assertArrayEquals(loaded.asByteArray(), hit.asByteArray());
        }
        assertEquals(before, ResourceRequests.PRODUCT_READS.get(), "20 L1 hits, none through JAX-RS");
    }

    @Test
    void whatTheRouteCannotAnswerExactlyGoesToTheResource() {
        long id = 1602;
        given().get("/products/" + id).then().statusCode(200);
        given().get("/products/" + id).then().statusCode(200).header("X-Cache", "L1");
        long before = ResourceRequests.PRODUCT_READS.get();

        // Content negotiation is the resource's: text/html is not acceptable, even while L1 holds the value.
        given().header("Accept", "text/html").get("/products/" + id).then().statusCode(406);
        given().header("Accept", "application/json;q=0.5, text/plain")
                .get("/products/" + id)
                .then()
                .statusCode(200);
        // Ids that are not strictly ASCII digits are the resource's problems.
        given().get("/products/+" + id).then().statusCode(400).contentType("application/problem+json");
        given().get("/products/0").then().statusCode(400).contentType("application/problem+json");
        // HEAD is the resource's too.
        given().head("/products/" + id).then().statusCode(200);
        assertEquals(before + 5, ResourceRequests.PRODUCT_READS.get(), "each of them reached JAX-RS");
    }

    @Test
    void aWriteIsNeverAnsweredByTheOldL1Value() throws Exception {
        long id = 1603;
        String etag =
                given().get("/products/" + id).then().statusCode(200).extract().header("ETag");
        given().get("/products/" + id).then().statusCode(200).header("X-Cache", "L1");
        given().contentType("application/merge-patch+json")
                .header("If-Match", etag)
                .body(Map.of("name", "renamed " + id))
                .patch("/products/" + id)
                .then()
                .statusCode(200);
        ExtractableResponse<Response> after =
                given().get("/products/" + id).then().statusCode(200).extract();
        assertEquals("renamed " + id, after.jsonPath().getString("name"));

        // A negative entry is never the route's: a deleted product is the resource's 404 problem.
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement("DELETE FROM prices WHERE product_id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        }
        given().header("If-Match", after.header("ETag"))
                .delete("/products/" + id)
                .then()
                .statusCode(204);
        long before = ResourceRequests.PRODUCT_READS.get();
        given().get("/products/" + id).then().statusCode(404).contentType("application/problem+json");
        given().get("/products/" + id).then().statusCode(404).contentType("application/problem+json");
        assertEquals(before + 2, ResourceRequests.PRODUCT_READS.get());
    }
}
