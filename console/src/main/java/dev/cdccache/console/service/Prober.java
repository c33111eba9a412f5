package dev.cdccache.console.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.client.RedisClientName;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One look at a product everywhere it lives: what each read instance serves (version, price, the tier that
 * answered), what each region's Redis holds (the cached versions, their remaining TTL, a remote marker), and the
 * primary's row (the truth the others are compared with). Read-only: the same GETs a client makes.
 */
@ApplicationScoped
public class Prober {

    /** What one instance served. {@code error} is set (and the rest empty) when it did not answer 200. */
    public record InstanceState(
            String name, String region, String service, long version, Long amountMinor, String tier, String error) {}

    /** One region's L2 entries of the product; versions are price versions (-1: not cached). */
    public record RedisState(
            String region, long priceVersion, long priceTtlMs, long viewPriceVersion, long viewTtlMs, boolean marker) {}

    public record Observation(
            long productId,
            long startedAtMs,
            long primaryVersion,
            long primaryAmountMinor,
            List<InstanceState> instances,
            List<RedisState> redis) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Topology topology;
    private final AgroalDataSource primary;
    private final RedisDataSource redisUs;
    private final RedisDataSource redisEu;
    private final HttpClient http;

    public Prober(
            Topology topology,
            AgroalDataSource primary,
            @RedisClientName("us") RedisDataSource redisUs,
            @RedisClientName("eu") RedisDataSource redisEu) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        this.topology = topology;
        this.primary = primary;
        this.redisUs = redisUs;
        this.redisEu = redisEu;
    }

    public Observation observe(long productId) {
        long started = System.currentTimeMillis();
        List<CompletableFuture<InstanceState>> reads = new ArrayList<>();
        for (Topology.Reader r : topology.readers()) {
            reads.add(read(r, productId));
        }
        long[] truth = primary(productId);
        List<RedisState> redis = List.of(redis("us", redisUs, productId), redis("eu", redisEu, productId));
        List<InstanceState> instances =
                reads.stream().map(CompletableFuture::join).toList();
        return new Observation(productId, started, truth[0], truth[1], instances, redis);
    }

    private CompletableFuture<InstanceState> read(Topology.Reader r, long id) {
        String path = r.catalog() ? "/products/" + id : "/prices/" + id;
        HttpRequest req = HttpRequest.newBuilder(URI.create(r.url() + path))
                .timeout(Duration.ofSeconds(1))
                .GET()
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
                .thenApply(res -> {
                    if (res.statusCode() != 200) {
                        return failed(r, "HTTP " + res.statusCode());
                    }
                    try {
                        JsonNode n = JSON.readTree(res.body());
                        JsonNode price = r.catalog() ? n.path("price") : n;
                        return new InstanceState(
                                r.name(),
                                r.region(),
                                r.service(),
                                price.path("version").asLong(-1),
                                price.has("amountMinor")
                                        ? price.get("amountMinor").asLong()
                                        : null,
                                res.headers().firstValue("X-Cache").orElse("?"),
                                null);
                    } catch (Exception e) {
                        return failed(r, "unreadable body");
                    }
                })
                .exceptionally(e -> failed(r, "no answer"));
    }

    private static InstanceState failed(Topology.Reader r, String why) {
        return new InstanceState(r.name(), r.region(), r.service(), -1, null, "-", why);
    }

    private long[] primary(long id) {
        try (Connection c = primary.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT version, amount_minor FROM prices WHERE product_id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new long[] {rs.getLong(1), rs.getLong(2)} : new long[] {-1, -1};
            }
        } catch (Exception e) {
            return new long[] {-1, -1};
        }
    }

    private static RedisState redis(String region, RedisDataSource ds, long id) {
        String price = "prc:v2:price:{" + id + "}";
        String view = "cat:v2:product:{" + id + "}";
        try {
            var values = ds.value(String.class);
            var keys = ds.key();
            String p = values.get(price);
            String v = values.get(view);
            return new RedisState(
                    region,
                    p == null ? -1 : versionOf(p, false),
                    p == null ? -1 : keys.pttl(price),
                    v == null ? -1 : versionOf(v, true),
                    v == null ? -1 : keys.pttl(view),
                    keys.exists("marker:" + price));
        } catch (Exception e) {
            return new RedisState(region, -2, -1, -2, -1, false); // -2: Redis did not answer
        }
    }

    /** An L2 entry is {@code <row version>:<payload>}; the price version is the row's, or the view's embedded one. */
    private static long versionOf(String stored, boolean view) {
        if ("N".equals(stored)) {
            return 0;
        }
        int sep = stored.indexOf(':');
        if (!view) {
            return Long.parseLong(stored.substring(0, sep));
        }
        try {
            return JSON.readTree(stored.substring(sep + 1))
                    .path("price")
                    .path("version")
                    .asLong(-1);
        } catch (Exception e) {
            return -1;
        }
    }
}
