package dev.cdccache.probe;

import org.HdrHistogram.Histogram;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The instrument every staleness claim is checked with. Writes N price changes (through pricing-service in us, or
 * as plain SQL no service knows about), then polls every catalog and pricing instance of both regions until each
 * returns the new version, and reports time-to-fresh (from the moment the write answered) and stale reads seen, per
 * region and per path: {@code write-path} (API write, writer's region), {@code cdc} (everything else).
 *
 * <p>Options: {@code --writes N --interval-ms MS --via api|sql --write-region us|eu --timeout-ms MS --first-product ID
 * --bound-ms MS --bound-ms-<region> MS}.
 * With {@code --bound-ms}, exits 1 unless every instance became fresh within the bound ("BOUND HELD/VIOLATED").
 * The last output line is JSON.
 */
public final class LagProbe {

    private record Instance(String name, String region, String service, int port) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        int writes = Integer.parseInt(opt.getOrDefault("writes", "20"));
        long intervalMs = Long.parseLong(opt.getOrDefault("interval-ms", "100"));
        String via = opt.getOrDefault("via", "api");
        long timeoutMs = Long.parseLong(opt.getOrDefault("timeout-ms", "15000"));
        long firstProduct = Long.parseLong(opt.getOrDefault("first-product", "7001"));
        long boundMs = Long.parseLong(opt.getOrDefault("bound-ms", "-1"));
        Map<String, Long> regionBounds = new LinkedHashMap<>();
        for (String r : List.of("us", "eu")) {
            if (opt.containsKey("bound-ms-" + r)) {
                regionBounds.put(r, Long.parseLong(opt.get("bound-ms-" + r)));
            }
        }
        boolean batch = Boolean.parseBoolean(opt.getOrDefault("batch", "false"));
        // Which region's pricing-service takes the API writes: eu's commit crosses the WAN link to the primary, and
        // its own region's reads are then fresh through remote markers while the eu replica lags.
        writeRegion = opt.getOrDefault("write-region", "us");

        List<Instance> instances = Topology.withRole("reader").stream()
                .map(p -> new Instance(p.name(), p.region(), p.service(), p.port()))
                .toList();
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        ExecutorService pool = Executors.newFixedThreadPool(instances.size());
        Map<String, Histogram> fresh = new LinkedHashMap<>();
        Map<String, AtomicLong> stale = new LinkedHashMap<>();
        Map<String, AtomicLong> neverFresh = new LinkedHashMap<>();
        System.out.printf(
                Locale.ROOT,
                "lag probe: %d price writes via %s, one every %d ms, %d instances polled%n",
                writes,
                via,
                intervalMs,
                instances.size());
        String pgUrl = StackEnv.jdbcUrl();
        try (Connection db = DriverManager.getConnection(pgUrl, StackEnv.user(), StackEnv.password())) {
            // Warm every instance first, so a stale value is really there to be invalidated.
            List<long[]> written = new ArrayList<>(); // {productId, version, answeredNanos}
            for (int i = 0; i < writes; i++) {
                long id = firstProduct + (i % 1000);
                for (Instance in : instances) {
                    get(http, in, id);
                }
                long version = "sql".equals(via) ? writeSql(db, id) : writeApi(http, id);
                written.add(new long[] {id, version, System.nanoTime()});
                if (!batch) {
                    awaitFresh(
                            List.of(written.get(written.size() - 1)),
                            instances,
                            via,
                            timeoutMs,
                            http,
                            pool,
                            fresh,
                            stale,
                            neverFresh);
                }
                if (intervalMs > 0) {
                    Thread.sleep(intervalMs); // pacing between writes
                }
            }
            if (batch) {
                // All writes first (e.g. while a relay is down), then wait for every one of them.
                System.out.printf(Locale.ROOT, "%d writes done; polling until every instance is fresh%n", writes);
                awaitFresh(written, instances, via, timeoutMs, http, pool, fresh, stale, neverFresh);
            }
        } finally {
            pool.shutdownNow();
        }

        long worstMs = 0;
        long neverTotal = 0;
        StringBuilder json = new StringBuilder(
                "{\"probe\":\"time-to-fresh\",\"via\":\"" + via + "\",\"writes\":" + writes + ",\"paths\":{");
        System.out.printf(
                Locale.ROOT,
                "%-16s %6s %9s %9s %9s %9s %11s %11s%n",
                "region/path",
                "n",
                "p50 ms",
                "p90 ms",
                "p99 ms",
                "max ms",
                "stale reads",
                "never fresh");
        boolean first = true;
        for (var e : fresh.entrySet()) {
            Histogram h = e.getValue();
            long never = neverFresh.get(e.getKey()).get();
            neverTotal += never;
            worstMs = Math.max(worstMs, h.getMaxValue() / 1000);
            System.out.printf(
                    Locale.ROOT,
                    "%-16s %6d %9.1f %9.1f %9.1f %9.1f %11d %11d%n",
                    e.getKey(),
                    h.getTotalCount(),
                    h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(90) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0,
                    h.getMaxValue() / 1000.0,
                    stale.get(e.getKey()).get(),
                    never);
            json.append(first ? "" : ",")
                    .append(String.format(
                            Locale.ROOT,
                            "\"%s\":{\"n\":%d,\"p50Ms\":%.2f,\"p90Ms\":%.2f,\"p99Ms\":%.2f,\"maxMs\":%.2f,\"staleReads\":%d,\"neverFresh\":%d}",
                            e.getKey(),
                            h.getTotalCount(),
                            h.getValueAtPercentile(50) / 1000.0,
                            h.getValueAtPercentile(90) / 1000.0,
                            h.getValueAtPercentile(99) / 1000.0,
                            h.getMaxValue() / 1000.0,
                            stale.get(e.getKey()).get(),
                            never));
            first = false;
        }
        json.append("},\"maxMs\":").append(worstMs).append(",\"neverFresh\":").append(neverTotal);
        if (boundMs >= 0 || !regionBounds.isEmpty()) {
            boolean held = neverTotal == 0;
            for (var e : fresh.entrySet()) {
                String region = e.getKey().substring(0, e.getKey().indexOf('/'));
                long bound = regionBounds.getOrDefault(region, boundMs);
                long max = e.getValue().getMaxValue() / 1000;
                if (bound >= 0 && max > bound) {
                    held = false;
                }
                if (bound >= 0) {
                    System.out.printf(
                            Locale.ROOT,
                            "  %-16s bound %6d ms, worst %6d ms: %s%n",
                            e.getKey(),
                            bound,
                            max,
                            max <= bound ? "held" : "VIOLATED");
                }
            }
            json.append(",\"boundMs\":")
                    .append(boundMs)
                    .append(",\"boundHeld\":")
                    .append(held);
            System.out.printf(
                    Locale.ROOT,
                    "%s (worst %d ms, never fresh %d)%n",
                    held ? "BOUND HELD" : "BOUND VIOLATED",
                    worstMs,
                    neverTotal);
            System.out.println(json.append('}'));
            System.exit(held ? 0 : 1);
        }
        System.out.println(json.append('}'));
    }

    private static void awaitFresh(
            List<long[]> written,
            List<Instance> instances,
            String via,
            long timeoutMs,
            HttpClient http,
            ExecutorService pool,
            Map<String, Histogram> fresh,
            Map<String, AtomicLong> stale,
            Map<String, AtomicLong> neverFresh) {
        List<CompletableFuture<Void>> polls = new ArrayList<>();
        for (Instance in : instances) {
            String path = "api".equals(via) && writeRegion.equals(in.region) ? "write-path" : "cdc";
            String label = in.region + "/" + path;
            Histogram h = fresh.computeIfAbsent(label, k -> new Histogram(TimeUnit.HOURS.toMicros(1), 3));
            AtomicLong staleReads = stale.computeIfAbsent(label, k -> new AtomicLong());
            AtomicLong never = neverFresh.computeIfAbsent(label, k -> new AtomicLong());
            polls.add(CompletableFuture.runAsync(
                    () -> {
                        for (long[] w : written) {
                            long id = w[0];
                            long version = w[1];
                            long answered = w[2];
                            long deadline = answered + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
                            while (true) {
                                long seen = get(http, in, id);
                                long now = System.nanoTime();
                                if (seen >= version) {
                                    synchronized (h) {
                                        h.recordValue(TimeUnit.NANOSECONDS.toMicros(now - answered));
                                    }
                                    break;
                                }
                                staleReads.incrementAndGet();
                                if (now > deadline) {
                                    never.incrementAndGet();
                                    break;
                                }
                                LockSupport.parkNanos(1_000_000); // ~1 ms between reads of one instance
                            }
                        }
                    },
                    pool));
        }
        CompletableFuture.allOf(polls.toArray(CompletableFuture[]::new)).join();
    }

    private static String writeRegion = "us";

    private static long writeApi(HttpClient http, long id) throws Exception {
        long amount = 100 + (System.nanoTime() % 100_000);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(
                                Topology.writer("pricing", writeRegion).http() + "/prices/" + id))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .PUT(HttpRequest.BodyPublishers.ofString(
                                "{\"amountMinor\":" + amount + ",\"currency\":\"USD\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 && r.statusCode() != 201) {
            throw new IllegalStateException("PUT /prices/" + id + " answered " + r.statusCode() + ": " + r.body());
        }
        long version = PriceVersions.parse(r.body(), false);
        if (version < 0) {
            throw new IllegalStateException("no version in " + r.body());
        }
        return version;
    }

    private static long writeSql(Connection db, long id) throws Exception {
        try (PreparedStatement ps = db.prepareStatement(
                "UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = ? RETURNING version")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("product " + id + " has no price");
                }
                return rs.getLong(1);
            }
        }
    }

    /** The price version an instance serves for the product, or -1 if it did not answer. */
    private static long get(HttpClient http, Instance in, long id) {
        return PriceVersions.served(http, in.port, "catalog".equals(in.service), id, Duration.ofSeconds(5));
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --option value, got " + args[i]);
            }
            m.put(args[i].substring(2), args[i + 1]);
        }
        return m;
    }
}
