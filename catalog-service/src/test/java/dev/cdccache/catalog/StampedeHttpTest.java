package dev.cdccache.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.catalog.repository.ProductRepository;
import dev.cdccache.stack.BackingServicesResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** 1,000 concurrent HTTP GETs of one cold key, with a slowed loader: one database load, one answer. */
@QuarkusTest
@TestProfile(StampedeHttpTest.SlowLoader.class)
@QuarkusTestResource(BackingServicesResource.class)
class StampedeHttpTest {

    /**
     * The slowed loader is a test bean this profile enables; production code has no delay switch. Redis calls get
     * 5 s instead of 250 ms: this test is about coalescing and the L2 lease, and on a starved CI machine a Redis
     * call of the cold JVM overran 250 ms, so the read path did what it must do then (read the database, cache
     * nothing) — twice, measured with two CPU hogs: {@code cache.l2.unavailable{op=read}=2}, two loads. That
     * degraded path is {@code RedisOutageTest}'s.
     */
    public static class SlowLoader implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(SlowProductRepository.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "cache.l2-timeout", "5s",
                    "quarkus.fault-tolerance.\"dev.cdccache.support.cache.RedisGuard/call\".timeout.value", "5000");
        }
    }

    @TestHTTPResource("/products/1777")
    URL url;

    @Inject
    MeterRegistry registry;

    @Inject
    ProductRepository repository;

    private double dbLoads() {
        Counter c = registry.find("cache.db.loads")
                .tags("region", "us", "data_class", "CATALOG")
                .counter();
        return c == null ? 0 : c.count();
    }

    /** Every cache.* counter of this instance, so a failure says which path loaded again. */
    private String cacheCounters() {
        StringBuilder out = new StringBuilder();
        registry.getMeters().stream()
                .filter(m -> m instanceof Counter && m.getId().getName().startsWith("cache."))
                .forEach(m -> out.append(m.getId().getName())
                        .append(m.getId().getTags())
                        .append('=')
                        .append(((Counter) m).count())
                        .append("; "));
        return out.toString();
    }

    @Test
    void thousandConcurrentGetsOfAColdKeyCostOneDatabaseLoad() throws Exception {
        assertTrue(ClientProxy.unwrap(repository) instanceof SlowProductRepository, "the miss window is 300 ms wide");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        double before = dbLoads();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            answers.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(url.toString()))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Set<String> bodies = new HashSet<>();
        for (CompletableFuture<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get(90, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            bodies.add(r.body());
        }
        assertEquals(1, bodies.size(), "all 1,000 answers equal");
        assertEquals(1.0, dbLoads() - before, () -> "exactly one database load; cache counters: " + cacheCounters());
    }
}
