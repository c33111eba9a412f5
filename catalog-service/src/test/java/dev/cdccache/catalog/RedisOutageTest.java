package dev.cdccache.catalog;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import dev.cdccache.support.cache.DbGuard;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class RedisOutageTest {

    @Inject
    DbGuard dbGuard;

    @Inject
    MeterRegistry registry;

    private double delsFailed() {
        Counter c = registry.find("cache.dels.failed").tag("region", "us").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void withoutRedisReadsComeFromPostgresBehindTheBulkheadAndCachingResumesAfter() throws Exception {
        StackControl.stopRedis("us");
        try {
            given().get("/products/301").then().statusCode(200).header("X-Cache", "DB");
            given().get("/products/301").then().statusCode(200).header("X-Cache", "DB"); // nothing cached meanwhile

            dbGuard.resetPeak();
            ExecutorService pool = Executors.newFixedThreadPool(40);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                long id = 400 + (i % 60); // 60 distinct keys, each asked twice at once
                statuses.add(pool.submit(() -> {
                    go.await();
                    return given().get("/products/" + id).then().extract().statusCode();
                }));
            }
            go.countDown();
            int ok = 0;
            for (Future<Integer> f : statuses) {
                int s = f.get(60, TimeUnit.SECONDS);
                assertTrue(s == 200 || s == 503, "only answers or load-shed problems: " + s);
                ok += s == 200 ? 1 : 0;
            }
            pool.shutdownNow();
            assertTrue(ok > 0, "reads were served from PostgreSQL");
            assertTrue(
                    dbGuard.peak() <= 4,
                    "concurrent database loads capped by the bulkhead (4 in tests): " + dbGuard.peak());

            // A write still succeeds: the failed DEL is counted and left to CDC, never surfaced to the client.
            double before = delsFailed();
            given().contentType(io.restassured.http.ContentType.JSON)
                    .body(java.util.Map.of("name", "written without Redis"))
                    .patch("/products/303")
                    .then()
                    .statusCode(200);
            assertTrue(delsFailed() > before, "the failed DEL was counted");
            given().get("/products/303")
                    .then()
                    .statusCode(200)
                    .body("name", org.hamcrest.Matchers.equalTo("written without Redis"));
        } finally {
            StackControl.startRedis("us");
        }
        await().atMost(30, TimeUnit.SECONDS)
                .pollInterval(200, TimeUnit.MILLISECONDS)
                .untilAsserted(() -> {
                    given().get("/products/302").then().statusCode(200);
                    String tier = given().get("/products/302")
                            .then()
                            .statusCode(200)
                            .extract()
                            .header("X-Cache");
                    assertEquals("L1", tier, "caching resumed");
                });
    }
}
