package dev.cdccache.probe;

import dev.cdccache.cache.CacheKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Database loads caused by a stampede: per round, one product that no tier holds (its L2 key deleted in both regions;
 * not read for longer than the L1 TTL), then REQUESTS concurrent GETs spread over every catalog instance. The lease
 * protocol promises one database load per region, however many instances and requests. Prints loads per region per
 * round (from the instances' {@code cache_db_loads_total}), non-200 answers, and one JSON line.
 *
 * <p>Usage: {@code StampedeBench [requests=1000] [rounds=3]}. The stack must be up and otherwise idle: another
 * reader of the catalog would add its own loads.
 */
public final class StampedeBench {

    private static final Pattern LOADS =
            Pattern.compile("^cache_db_loads_total\\{data_class=\"CATALOG\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);

    /** Why a region loaded more than once: a reader gave up waiting for another's fill, or a Redis call failed. */
    private static final Pattern LEASE_TIMEOUTS = Pattern.compile(
            "^cache_lease_wait_timeouts_total\\{data_class=\"CATALOG\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);

    private static final Pattern L2_ERRORS =
            Pattern.compile("^cache_l2_unavailable_total\\{[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);

    /** Read per round, from one scrape of each instance before and after: indexes into {@link #byRegion}. */
    private static final List<Pattern> COUNTERS = List.of(LOADS, LEASE_TIMEOUTS, L2_ERRORS);

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<Topology.Proc> instances = Topology.readers("catalog");
        List<RedisClient> clients = new ArrayList<>();
        List<StatefulRedisConnection<String, String>> redis = new ArrayList<>();
        for (String region : Topology.regions()) {
            RedisClient c = RedisClient.create(
                    "redis://127.0.0.1:" + Topology.redis(region).port());
            clients.add(c);
            redis.add(c.connect());
        }
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        System.out.printf(
                Locale.ROOT,
                "Stampede: %d concurrent GETs of one uncached product over %d catalog instances, %d rounds%n",
                requests,
                instances.size(),
                rounds);
        System.out.printf(
                Locale.ROOT,
                "%-6s %-8s %10s %10s %10s   %s%n",
                "round",
                "product",
                "us loads",
                "eu loads",
                "non-200",
                "lease-wait timeouts / L2 errors (us, eu)");
        int worstUs = 0;
        int worstEu = 0;
        int failed = 0;
        for (int round = 1; round <= rounds; round++) {
            // A product this benchmark has not read before (L1 cannot hold it), removed from both regions' L2.
            long id = 1 + ThreadLocalRandom.current().nextInt(10_000);
            for (StatefulRedisConnection<String, String> conn : redis) {
                conn.sync().del(CacheKeys.productView(id));
            }
            Map<String, double[]> before = byRegion(http, instances);
            List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>(requests);
            for (int i = 0; i < requests; i++) {
                Topology.Proc in = instances.get(i % instances.size());
                all.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create(in.http() + "/products/" + id))
                                .timeout(Duration.ofSeconds(30))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding()));
            }
            int non200 = 0;
            for (CompletableFuture<HttpResponse<Void>> f : all) {
                try {
                    non200 += f.join().statusCode() == 200 ? 0 : 1;
                } catch (RuntimeException e) {
                    non200++;
                }
            }
            Map<String, double[]> after = byRegion(http, instances);
            int us = delta(after, before, "us", 0);
            int eu = delta(after, before, "eu", 0);
            worstUs = Math.max(worstUs, us);
            worstEu = Math.max(worstEu, eu);
            failed += non200;
            System.out.printf(
                    Locale.ROOT,
                    "%-6d %-8d %10d %10d %10d   %d / %d, %d / %d%n",
                    round,
                    id,
                    us,
                    eu,
                    non200,
                    delta(after, before, "us", 1),
                    delta(after, before, "us", 2),
                    delta(after, before, "eu", 1),
                    delta(after, before, "eu", 2));
        }
        redis.forEach(StatefulRedisConnection::close);
        clients.forEach(RedisClient::shutdown);
        System.out.printf(
                Locale.ROOT,
                "{\"benchmark\":\"stampede\",\"requests\":%d,\"rounds\":%d,\"maxLoadsUs\":%d,\"maxLoadsEu\":%d,"
                        + "\"non200\":%d}%n",
                requests,
                rounds,
                worstUs,
                worstEu,
                failed);
    }

    /** Per region, each of {@link #COUNTERS} summed over its catalog instances. */
    private static Map<String, double[]> byRegion(HttpClient http, List<Topology.Proc> instances) throws Exception {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (String region :
                instances.stream().map(Topology.Proc::region).distinct().toList()) {
            List<Topology.Proc> in =
                    instances.stream().filter(p -> p.region().equals(region)).toList();
            sums.put(region, ServedMetrics.sums(http, in, COUNTERS));
        }
        return sums;
    }

    private static int delta(Map<String, double[]> after, Map<String, double[]> before, String region, int counter) {
        return (int) Math.round(after.get(region)[counter] - before.get(region)[counter]);
    }
}
