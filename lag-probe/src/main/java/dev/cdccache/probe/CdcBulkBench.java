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
 * Each round says how long the machine itself stood still inside it ({@link HostStallMeter}). Usage:
 * {@code CdcBulkBench [rows=5000] [rounds=5]}.
 */
public final class CdcBulkBench {
    /** The probe's own CPU, printed per round: it shares the two cores with what it measures. */
    private static final com.sun.management.OperatingSystemMXBean PROC = (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();

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
        long machineStalledMs = 0;
        try (HostStallMeter machine = HostStallMeter.start();
                Connection db = DriverManager.getConnection(url, StackEnv.user(), StackEnv.password());
                Statement st = db.createStatement()) {
            // The probe's own first passes (20,000 SETs, the polls) compile and collect in its JVM; left to round 1,
            // they took ~0.5 CPU-seconds inside the measured second (docs/measurements.md, session 14).
            for (int pass = 0; pass < 3; pass++) {
                for (StatefulRedisConnection<String, String> c : redis.values()) {
                    populate(c, keys);
                    new KeysLeft(c, keys).count();
                }
            }
            for (int round = 1; round <= rounds; round++) {
                for (StatefulRedisConnection<String, String> c : redis.values()) {
                    populate(c, keys);
                }
                int updated = st.executeUpdate(
                        "UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id <= " + rows);
                long committed = System.nanoTime();
                long committedAtMs = System.currentTimeMillis();
                long probeCpu = PROC.getProcessCpuTime();
                StringBuilder line = new StringBuilder();
                for (var e : redis.entrySet()) {
                    long deadline = committed + TimeUnit.SECONDS.toNanos(30);
                    KeysLeft watch = new KeysLeft(e.getValue(), keys);
                    while (watch.any() && System.nanoTime() < deadline) {
                        LockSupport.parkNanos(1_000_000);
                    }
                    long left = watch.count();
                    double ms = (System.nanoTime() - committed) / 1e6;
                    worst = Math.max(worst, ms);
                    keysLeft += left;
                    line.append(String.format(
                            Locale.ROOT, "  %s %8.1f%s", e.getKey(), ms, left > 0 ? " (" + left + " keys left!)" : ""));
                }
                long stalled =
                        HostStallMeter.stalledWithin(machine.stalls(), committedAtMs, System.currentTimeMillis());
                machineStalledMs += stalled;
                System.out.printf(
                        Locale.ROOT,
                        "%-6d %s   (%d rows; the probe's CPU meanwhile %d ms; the machine stood still %d ms)%n",
                        round,
                        line,
                        updated,
                        (PROC.getProcessCpuTime() - probeCpu) / 1_000_000,
                        stalled);
            }
            System.out.println(HostStallMeter.summary(machine.stalls()));
        } finally {
            redis.values().forEach(StatefulRedisConnection::close);
            clients.forEach(RedisClient::shutdown);
        }
        System.out.printf(
                Locale.ROOT,
                "{\"benchmark\":\"cdc-bulk\",\"rows\":%d,\"rounds\":%d,\"maxMs\":%.1f,\"keysLeft\":%d,"
                        + "\"machineStalledMs\":%d}%n",
                rows,
                rounds,
                worst,
                keysLeft,
                machineStalledMs);
    }

    private static void populate(StatefulRedisConnection<String, String> c, String[] keys) throws Exception {
        List<RedisFuture<String>> sets = new ArrayList<>(keys.length);
        for (String k : keys) {
            sets.add(c.async().set(k, "bench", SetArgs.Builder.px(600_000)));
        }
        for (RedisFuture<String> f : sets) {
            f.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The keys of one region not yet seen gone. The probe shares the two cores with what it measures, so it asks as
     * little as it can: a poll checks the chunk that held keys at the last poll and moves on only when that one is
     * empty; a chunk seen empty is never asked again (nothing writes these keys during a round, so a key gone stays
     * gone). Asking for all 10,000 keys every millisecond (before) cost Redis and the probe most of a core during the
     * measured second (docs/measurements.md, session 14).
     */
    static final class KeysLeft {
        private static final int CHUNK = 100;
        private final StatefulRedisConnection<String, String> redis;
        private final java.util.ArrayDeque<String[]> live = new java.util.ArrayDeque<>();

        KeysLeft(StatefulRedisConnection<String, String> redis, String[] keys) {
            this.redis = redis;
            for (int i = 0; i < keys.length; i += CHUNK) {
                live.add(java.util.Arrays.copyOfRange(keys, i, Math.min(keys.length, i + CHUNK)));
            }
        }

        /** True while some key is left; drops the chunks it finds empty on the way. */
        boolean any() {
            while (!live.isEmpty()) {
                if (redis.sync().exists(live.peekLast()) > 0) {
                    return true;
                }
                live.pollLast();
            }
            return false;
        }

        /** How many keys are left, counted over every chunk not yet seen empty. */
        long count() {
            long left = 0;
            for (String[] chunk : live) {
                left += redis.sync().exists(chunk);
            }
            return left;
        }
    }
}
