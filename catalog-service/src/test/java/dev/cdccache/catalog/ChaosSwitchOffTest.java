package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.support.cache.FaultInjection;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * Without an {@code admin.token} (the production configuration) the chaos switch is not there at all: every method
 * is a 404 problem, with or without a token header, and the fault rates stay zero.
 */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
@TestProfile(ChaosSwitchOffTest.NoAdminToken.class)
class ChaosSwitchOffTest {

    public static class NoAdminToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("admin.token", "");
        }
    }

    @Inject
    FaultInjection faults;

    @Test
    void theSwitchDoesNotExistWithoutAToken() {
        given().get("/admin/chaos").then().statusCode(404).contentType("application/problem+json");
        given().header("X-Admin-Token", "anything")
                .contentType(ContentType.JSON)
                .body(Map.of("dropDelRate", 1.0, "dropL1BroadcastRate", 1.0))
                .put("/admin/chaos")
                .then()
                .statusCode(404)
                .contentType("application/problem+json");
        assertEquals(0.0, faults.settings().dropDelRate());
        assertEquals(0.0, faults.settings().dropL1BroadcastRate());
    }
}
