package dev.cdccache.probe;

import dev.cdccache.cache.CacheKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How long the CDC backstop takes to invalidate a bulk change: ROWS price keys are cached in both regions, one
 * plain-SQL transaction updates all ROWS prices, and the probe waits until no key is left in each region.
 * Usage: {@code CdcBulkBench [rows=5000] [rounds=5]}.
 */
public final class CdcBulkBench {

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Map<String, StatefulRedisConnection<String, String>> redis = new LinkedHashMap<>();
        List<RedisClient> clients = new ArrayList<>();
        for (String region : Topology.regions()) {
            RedisClient c = RedisClient.create(
                    "redis://127.0.0.1:" + Topology.redis(region).port());
            clients.add(c);
            redis.put(region, c.connect());
        }
        String[] keys = new String[rows];
        for (int i = 0; i < rows; i++) {
            keys[i] = CacheKeys.price(i + 1);
        }
        System.out.printf(
                Locale.ROOT, "CDC bulk invalidation: %d price rows in one transaction, %d rounds%n", rows, rounds);
        System.out.printf(Locale.ROOT, "%-6s %s%n", "round", "commit → last key gone (ms) per region");
        String url = StackEnv.jdbcUrl();
        double worst = 0;
        long keysLeft = 0;
        try (Connection db = DriverManager.getConnection(url, StackEnv.user(), StackEnv.password());
                Statement st = db.createStatement()) {
            for (int round = 1; round <= rounds; round++) {
                for (StatefulRedisConnection<String, String> c : redis.values()) {
                    List<RedisFuture<String>> sets = new ArrayList<>(rows);
                    for (String k : keys) {
                        sets.add(c.async().set(k, "bench", SetArgs.Builder.px(600_000)));
                    }
                    for (RedisFuture<String> f : sets) {
                        f.get(10, TimeUnit.SECONDS);
                    }
                }
                int updated = st.executeUpdate(
                        "UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id <= " + rows);
                long committed = System.nanoTime();
                StringBuilder line = new StringBuilder();
                for (var e : redis.entrySet()) {
                    long deadline = committed + TimeUnit.SECONDS.toNanos(30);
                    long left;
                    while ((left = remaining(e.getValue(), keys)) > 0 && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(1_000_000);
                    }
                    double ms = (System.nanoTime() - committed) / 1e6;
                    worst = Math.max(worst, ms);
                    keysLeft += left;
                    line.append(String.format(
                            Locale.ROOT, "  %s %8.1f%s", e.getKey(), ms, left > 0 ? " (" + left + " keys left!)" : ""));
                }
                System.out.printf(Locale.ROOT, "%-6d %s   (%d rows)%n", round, line, updated);
            }
        } finally {
            redis.values().forEach(StatefulRedisConnection::close);
            clients.forEach(RedisClient::shutdown);
        }
        System.out.printf(
                Locale.ROOT,
                "{\"benchmark\":\"cdc-bulk\",\"rows\":%d,\"rounds\":%d,\"maxMs\":%.1f,\"keysLeft\":%d}%n",
                rows,
                rounds,
                worst,
                keysLeft);
    }

    /** Keys still present, counted with multi-key EXISTS in chunks. */
    private static long remaining(StatefulRedisConnection<String, String> c, String[] keys) throws Exception {
        long left = 0;
        for (int i = 0; i < keys.length; i += 1000) {
            String[] chunk = java.util.Arrays.copyOfRange(keys, i, Math.min(keys.length, i + 1000));
            left += c.sync().exists(chunk);
        }
        return left;
    }
}
