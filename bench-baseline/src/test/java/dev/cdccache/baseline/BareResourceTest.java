package dev.cdccache.baseline;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The baseline answers what the catalog's L1 hit answers: a body of the configured size and the same headers. */
@QuarkusTest
class BareResourceTest {

    @Test
    void servesTheConfiguredSizeWithTheCatalogsHeaders() {
        String body = given().get("/products/42")
                .then()
                .statusCode(200)
                .contentType("application/json")
                .header("X-Cache", equalTo("L1"))
                .header("X-Region", notNullValue())
                .header("X-Instance", notNullValue())
                .header("X-Version", equalTo("1"))
                .header("ETag", notNullValue())
                .extract()
                .asString();
        org.junit.jupiter.api.Assertions.assertEquals(420, body.length());
    }
}
