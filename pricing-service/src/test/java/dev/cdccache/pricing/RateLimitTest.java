package dev.cdccache.pricing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Per-client sliding-window limits at their boundary, against the region's real Redis: the limit-th request of a
 * window is admitted, the next is a 429 problem with Retry-After and changes nothing, the client is admitted again
 * once the window has room; another key has its own budget but every key of one address shares the address's
 * (multiplier 2 here); L1 hits never count; with Redis down the limiter fails open and says so in a metric.
 */
@QuarkusTest
@TestProfile(RateLimitTest.TightLimits.class)
@QuarkusTestResource(BackingServicesResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitTest {

    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rate-limit.write.limit", "5",
                    "rate-limit.write.window", "3s",
                    "rate-limit.read-miss.limit", "5",
                    "rate-limit.read-miss.window", "3s",
                    "rate-limit.address-multiplier", "2",
                    // L1 hits must stay hits for the whole test, on a slow machine too.
                    "cache.price.l1-ttl", "30s");
        }
    }

    @Inject
    MeterRegistry registry;

    @Inject
    RegionCache cache;

    @Inject
    io.smallrye.faulttolerance.api.CircuitBreakerMaintenance breakers;

    private static String key() {
        return UUID.randomUUID().toString();
    }

    private static Response put(String client, long id, long amount) {
        return given().header("X-Api-Key", client)
                .contentType(ContentType.JSON)
                .body("{\"amountMinor\": " + amount + ", \"currency\": \"USD\"}")
                .put("/prices/" + id);
    }

    private static long amountInDb(long id) throws Exception {
        try (Connection c = StackControl.database();
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT amount_minor FROM prices WHERE product_id = " + id)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private double decisions(String kind, String outcome) {
        return registry.get("rate.limit.decisions")
                .tags("class", kind, "outcome", outcome)
                .counter()
                .count();
    }

    @Test
    @Order(1) // first: it counts the address's budget from empty
    void theLimitThWriteIsAdmittedTheNextIsA429ThatChangesNothing() throws Exception {
        String a = key();
        for (int i = 1; i <= 5; i++) {
            assertEquals(200, put(a, 9401, 1000 + i).statusCode(), "write " + i + " of 5");
        }
        Response refused = put(a, 9401, 999_999);
        assertEquals(429, refused.statusCode(), refused.asString());
        assertEquals("application/problem+json", refused.contentType());
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 3, "Retry-After " + retryAfter);
        assertEquals(1005, amountInDb(9401), "the refused write changed nothing");

        // Another key of the same address has its own budget ...
        String b = key();
        for (int i = 1; i <= 5; i++) {
            assertEquals(200, put(b, 9402, 2000 + i).statusCode(), "key b, write " + i);
        }
        // ... but the address's budget (2 × 5) is now spent: a fresh key does not buy more.
        assertEquals(429, put(key(), 9403, 3000).statusCode());

        // Once the window has room again, the client is admitted.
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> put(a, 9401, 4000).statusCode() == 200);
        assertEquals(4000, amountInDb(9401));
    }

    @Test
    @Order(0) // before the Redis outage of the fail-open test: the limiter fails open for a second after one
    void onlyRealMissesCountAgainstTheReadBudget() {
        // L1 serves again only once its eviction subscription is proven (after the Redis restart of another test).
        await().atMost(Duration.ofSeconds(15)).until(() -> cache.l1().servable());
        String r = key();
        List<Long> ids = List.of(9411L, 9412L, 9413L, 9414L, 9415L, 9416L);
        cache.l2().delete(ids.stream().map(CacheKeys::price).toList());
        cache.l1().evict(ids.stream().map(CacheKeys::price).toList());
        for (int i = 0; i < 5; i++) {
            given().header("X-Api-Key", r).get("/prices/" + ids.get(i)).then().statusCode(200);
        }
        // L1 hits are free: the same five again, many times.
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 5; i++) {
                given().header("X-Api-Key", r)
                        .get("/prices/" + ids.get(i))
                        .then()
                        .statusCode(200)
                        .header("X-Cache", "L1");
            }
        }
        given().header("X-Api-Key", r)
                .get("/prices/" + ids.get(5))
                .then()
                .statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    @Order(2)
    void withRedisDownTheLimiterFailsOpenAndCountsIt() {
        String z = key();
        // Up to the limit (the address may still carry the first test's writes): the first refusal ends it.
        int status = 200;
        for (int i = 1; i <= 6 && status == 200; i++) {
            status = put(z, 9421, 5000 + i).statusCode();
        }
        assertEquals(429, status, "over the limit");
        double failOpen = decisions("write", "fail-open");
        StackControl.stopRedis("us");
        try {
            // Over the limit, but nothing can count: admitted (and the write's own DEL is left to CDC).
            for (int i = 0; i < 12; i++) {
                assertEquals(200, put(z, 9421, 5200 + i).statusCode());
            }
            assertTrue(decisions("write", "fail-open") > failOpen);
        } finally {
            StackControl.startRedis("us");
        }
        // The limiter's failures are its own: they must not have opened the read path's Redis breaker (which
        // would send every read to PostgreSQL). Before the fix the limiter called through that breaker.
        assertEquals(
                io.smallrye.faulttolerance.api.CircuitBreakerState.CLOSED,
                breakers.currentState(dev.cdccache.support.cache.RedisGuard.NAME));
    }

    @Test
    void aMalformedClientKeyIsRefused() {
        given().header("X-Api-Key", "x".repeat(129))
                .get("/prices/1")
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }
}
