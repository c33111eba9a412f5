package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cdccache.stack.BackingServicesResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** Every rejected request answers with its status and a problem body, and changes nothing. */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class BadInputTest {

    private long id;

    @BeforeEach
    void product() {
        id = ProductResourceTest.createProduct("BAD-" + System.nanoTime());
    }

    private void unchanged() throws Exception {
        assertEquals(1, ProductResourceTest.dbVersion(id), "the row is unchanged");
        given().get("/products/" + id).then().statusCode(200).header("X-Version", "1");
    }

    private static ValidatableResponse problem(ValidatableResponse r, int status) {
        return r.statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body(not(containsString("Exception")))
                .body(not(containsString("\tat ")));
    }

    @Test
    void malformedJsonIs400() throws Exception {
        problem(
                given().contentType(ContentType.JSON)
                        .body("{\"name\": ")
                        .patch("/products/" + id)
                        .then(),
                400);
        unchanged();
    }

    @Test
    void invalidFieldIs400WithTheField() throws Exception {
        problem(
                        given().contentType(ContentType.JSON)
                                .body(Map.of("sku", "bad sku!", "name", "x", "category", "testing"))
                                .put("/products/" + id)
                                .then(),
                        400)
                .body("violations.field", hasItem("sku"));
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("name", ""))
                        .patch("/products/" + id)
                        .then(),
                400);
        unchanged();
    }

    @Test
    void unknownFieldAndWrongTypeAre400() throws Exception {
        problem(
                        given().contentType(ContentType.JSON)
                                .body(Map.of("nmae", "typo"))
                                .patch("/products/" + id)
                                .then(),
                        400)
                .body("detail", containsString("nmae"));
        problem(
                given().contentType(ContentType.JSON)
                        .body("{\"version\": \"abc\", \"name\": \"x\"}")
                        .patch("/products/" + id)
                        .then(),
                400);
        unchanged();
    }

    @Test
    void badIdIs400AndUnknownIdIs404() throws Exception {
        problem(given().get("/products/abc").then(), 400);
        problem(given().get("/products/-5").then(), 400);
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("name", "x"))
                        .patch("/products/99999999")
                        .then(),
                404);
        problem(given().delete("/products/99999999").then(), 404);
        unchanged();
    }

    @Test
    void staleVersionIs409() throws Exception {
        problem(
                        given().contentType(ContentType.JSON)
                                .header("If-Match", "\"7\"")
                                .body(Map.of("name", "x"))
                                .patch("/products/" + id)
                                .then(),
                        409)
                .body("detail", containsString("version 1"));
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("sku", "S-" + id, "name", "x", "category", "testing", "version", 3))
                        .put("/products/" + id)
                        .then(),
                409);
        problem(given().header("If-Match", "\"2\"").delete("/products/" + id).then(), 409);
        unchanged();
    }

    @Test
    void duplicateSkuIs409() throws Exception {
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("sku", "SKU-000001", "name", "x", "category", "testing"))
                        .put("/products/" + id)
                        .then(),
                409);
        unchanged();
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        String big = "x".repeat(20_000);
        problem(
                given().contentType(ContentType.JSON)
                        .body(Map.of("description", big))
                        .patch("/products/" + id)
                        .then(),
                413);
        unchanged();
    }

    @Test
    void overlongRequestTargetIs414() throws Exception {
        // 5 KiB: past the API's 4 KiB, below the HTTP codec's ceiling, so the problem body is ours.
        problem(
                given().contentType(ContentType.JSON)
                        .body("{\"name\":\"x\"}")
                        .patch("/products/" + id + "?pad=" + "a".repeat(5_000))
                        .then(),
                414);
        problem(given().get("/products/" + id + "?pad=" + "a".repeat(40_000)).then(), 414);
        unchanged();
    }

    @Test
    void oversizedHeadersAre431() throws Exception {
        problem(
                given().contentType(ContentType.JSON)
                        .header("X-Pad", "a".repeat(25_000))
                        .body("{\"name\":\"x\"}")
                        .patch("/products/" + id)
                        .then(),
                431);
        problem(
                given().header("X-Pad-1", "a".repeat(15_000))
                        .header("X-Pad-2", "a".repeat(15_000))
                        .get("/products/" + id)
                        .then(),
                431);
        unchanged();
    }

    @Test
    void wrongContentTypeIs415() throws Exception {
        problem(
                given().contentType(ContentType.TEXT)
                        .body("name=x")
                        .patch("/products/" + id)
                        .then(),
                415);
        unchanged();
    }

    @Test
    void emptyPatchIs422() throws Exception {
        problem(
                given().contentType(ContentType.JSON)
                        .body("{}")
                        .patch("/products/" + id)
                        .then(),
                422);
        unchanged();
    }
}
