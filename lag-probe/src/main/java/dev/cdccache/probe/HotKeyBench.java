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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * A hot key through its expiry: READERS concurrent readers per region read one price for SECONDS (longer than its
 * 60 s L2 TTL), while a monitor samples the key's PTTL in each region's Redis every 50 ms. Each time the expiry the
 * key was heading for is pushed back (an early refresh) or reached (the key vanished: a cliff), that instant is an
 * expiry; reads that started within ±1 s of one are "in the expiry window". Prints, per region: expiries, those an
 * early refresh avoided (the services' {@code cache_early_refreshes_total}), cliffs (the rest: the key expired and
 * a reader reloaded it while others waited), database loads of prices during the run (and how many of them followed
 * a Redis read that failed or timed out), and p50/p99 of reads in and outside the windows; then one JSON line.
 *
 * <p>Usage: {@code HotKeyBench [readers=64] [seconds=75] [productId=4242]}. The stack must be up and otherwise idle
 * (another price reader adds its own loads).
 */
public final class HotKeyBench {

    private static final Pattern LOADS =
            Pattern.compile("^cache_db_loads_total\\{data_class=\"PRICE\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);
    private static final Pattern REFRESHED = Pattern.compile(
            "^cache_early_refreshes_total\\{data_class=\"PRICE\",outcome=\"refreshed\"[^}]*} ([0-9.eE+]+)$",
            Pattern.MULTILINE);
    /**
     * Redis reads that failed or took longer than the services' L2 timeout: each such miss loads from the database
     * (uncoalesced across processes), so it is a database load that no expiry caused, named apart in the output —
     * in all, then those that timed out and those the open circuit breaker refused without trying.
     */
    static final Pattern L2_READ_ERRORS = l2ReadErrors("[^\"]*");

    static final Pattern L2_READ_TIMEOUTS = l2ReadErrors("timeout");
    static final Pattern L2_READ_REFUSED = l2ReadErrors("circuit-open");

    /**
     * Times an instance's L1 lease ran out (its eviction subscription answered late): until it is renewed the
     * instance neither serves L1 nor joins loads in flight, so every reader goes to Redis at once.
     */
    static final Pattern L1_LEASE_LAPSES =
            Pattern.compile("^cache_l1_lease_lapses_total\\{[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE);

    /** Read from one scrape of each instance before and after the run. */
    private static final List<Pattern> COUNTERS =
            List.of(LOADS, REFRESHED, L2_READ_ERRORS, L2_READ_TIMEOUTS, L2_READ_REFUSED, L1_LEASE_LAPSES);

    /** {@code cache_l2_unavailable_total} of L2 reads with a cause matching {@code cause} (tags in any order). */
    private static Pattern l2ReadErrors(String cause) {
        return Pattern.compile(
                "^cache_l2_unavailable_total\\{(?=[^}]*\\bop=\"read\")(?=[^}]*\\bcause=\"" + cause
                        + "\")[^}]*} ([0-9.eE+]+)$",
                Pattern.MULTILINE);
    }

    private static final long WINDOW_MS = 1000;

    private record Read(long startMs, long micros, boolean ok) {}

    public static void main(String[] args) throws Exception {
        int readers = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 75;
        long id = args.length > 2 ? Long.parseLong(args[2]) : 4242;
        String key = CacheKeys.price(id);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        System.out.printf(
                Locale.ROOT,
                "Hot key %s through its expiry: %d readers per region for %d s (L2 TTL 60 s ± 15 %%)%n",
                key,
                readers,
                seconds);
        StringBuilder json = new StringBuilder("{\"benchmark\":\"hot-key\",\"readers\":" + readers);
        System.out.printf(
                Locale.ROOT,
                "%-6s %8s %9s %6s %8s %9s %9s %12s %12s %12s %12s%n",
                "region",
                "expiries",
                "refreshed",
                "cliffs",
                "db loads",
                "L2 errors",
                "reads",
                "p50 out ms",
                "p99 out ms",
                "p50 in ms",
                "p99 in ms");
        List<Thread> regionRuns = new ArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> jsons = new CopyOnWriteArrayList<>();
        for (String region : Topology.regions()) {
            Thread t = new Thread(() -> {
                try {
                    String[] out = runRegion(http, region, key, id, readers, seconds);
                    lines.add(out[0]);
                    jsons.add(out[1]);
                } catch (Exception e) {
                    lines.add(region + ": failed: " + e);
                }
            });
            regionRuns.add(t);
            t.start();
        }
        for (Thread t : regionRuns) {
            t.join();
        }
        lines.forEach(System.out::println);
        jsons.forEach(json::append);
        System.out.println(json.append('}'));
    }

    private static String[] runRegion(HttpClient http, String region, String key, long id, int readers, int seconds)
            throws Exception {
        List<Topology.Proc> pricing = Topology.readers("pricing").stream()
                .filter(p -> p.region().equals(region))
                .toList();
        RedisClient client =
                RedisClient.create("redis://127.0.0.1:" + Topology.redis(region).port());
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
            redis.sync().del(key); // a fresh fill: the run starts one TTL before an expiry
            get(http, pricing.get(0), id);
            double[] before = ServedMetrics.sums(http, pricing, COUNTERS);
            long end = System.currentTimeMillis() + seconds * 1000L;
            ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
            ExecutorService pool = Executors.newFixedThreadPool(readers);
            List<Future<?>> running = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                Topology.Proc in = pricing.get(r % pricing.size());
                running.add(pool.submit(() -> {
                    while (System.currentTimeMillis() < end) {
                        long start = System.currentTimeMillis();
                        long t0 = System.nanoTime();
                        boolean ok;
                        try {
                            ok = get(http, in, id) == 200;
                        } catch (Exception e) {
                            ok = false;
                        }
                        reads.add(new Read(start, (System.nanoTime() - t0) / 1000, ok));
                    }
                    return null;
                }));
            }
            // The monitor: where the key's expiry was heading, and when that changed.
            List<Long> expiries = new ArrayList<>();
            int cliffs = 0;
            int refreshed = 0;
            long heading = -1;
            boolean gone = false;
            while (System.currentTimeMillis() < end) {
                long now = System.currentTimeMillis();
                long pttl = redis.sync().pttl(key);
                if (pttl < 0) {
                    if (!gone && heading > 0) {
                        expiries.add(heading);
                        cliffs++;
                    }
                    gone = true;
                    heading = -1;
                } else {
                    long predicted = now + pttl;
                    if (heading > 0 && predicted > heading + 1000 && !gone) {
                        expiries.add(heading); // pushed back before it was reached: refreshed early
                        refreshed++;
                    }
                    gone = false;
                    heading = predicted;
                }
                Thread.sleep(50);
            }
            for (Future<?> f : running) {
                f.get();
            }
            pool.shutdown();
            double[] after = ServedMetrics.sums(http, pricing, COUNTERS);
            double loads = after[0] - before[0];
            double early = after[1] - before[1];
            double l2Errors = after[2] - before[2];
            double l2Timeouts = after[3] - before[3];
            double l2Refused = after[4] - before[4];
            double leaseLapses = after[5] - before[5];
            // The monitor samples every 50 ms: a key that expired and was refilled within that looks pushed back
            // too. The services' own count of early refreshes says which expiries were really avoided.
            refreshed = (int) Math.min(expiries.size(), Math.round(early));
            cliffs = expiries.size() - refreshed;
            List<Long> in = new ArrayList<>();
            List<Long> outside = new ArrayList<>();
            long failed = 0;
            for (Read r : reads) {
                failed += r.ok() ? 0 : 1;
                boolean near = expiries.stream().anyMatch(e -> Math.abs(r.startMs() - e) <= WINDOW_MS);
                (near ? in : outside).add(r.micros());
            }
            String line = String.format(
                    Locale.ROOT,
                    "%-6s %8d %9d %6d %8.0f %9.0f %9d %12.2f %12.2f %12s %12s",
                    region,
                    expiries.size(),
                    refreshed,
                    cliffs,
                    loads,
                    l2Errors,
                    reads.size(),
                    pct(outside, 0.50),
                    pct(outside, 0.99),
                    in.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", pct(in, 0.50)),
                    in.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", pct(in, 0.99)));
            String json = String.format(
                    Locale.ROOT,
                    ",\"%s\":{\"expiries\":%d,\"refreshedEarly\":%d,\"cliffs\":%d,\"dbLoads\":%.0f,\"l2ReadErrors\":%.0f,"
                            + "\"l2ReadTimeouts\":%.0f,\"l2ReadRefused\":%.0f,\"l1LeaseLapses\":%.0f,\"earlyRefreshes\":%.0f,\"reads\":%d,\"failed\":%d,\"p99OutMs\":%.2f,\"p99InMs\":%s}",
                    region,
                    expiries.size(),
                    refreshed,
                    cliffs,
                    loads,
                    l2Errors,
                    l2Timeouts,
                    l2Refused,
                    leaseLapses,
                    early,
                    reads.size(),
                    failed,
                    pct(outside, 0.99),
                    in.isEmpty() ? "null" : String.format(Locale.ROOT, "%.2f", pct(in, 0.99)));
            return new String[] {line, json};
        } finally {
            client.shutdown();
        }
    }

    private static int get(HttpClient http, Topology.Proc in, long id) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(in.http() + "/prices/" + id))
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static double pct(List<Long> micros, double q) {
        if (micros.isEmpty()) {
            return Double.NaN;
        }
        long[] a = micros.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a[Math.min(a.length - 1, (int) Math.ceil(q * a.length) - 1)] / 1000.0;
    }
}
