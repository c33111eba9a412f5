package dev.cdccache.console.service;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Live figures from the processes' {@code /q/metrics}, scraped every 2 s: CDC lag (commit → DEL) p50/p99 per region
 * over the last minute, the read mix per tier and database loads per second over the last minute. Quantiles come
 * from the histograms' buckets (an upper bound: the bucket a quantile falls in).
 */
@ApplicationScoped
public class Figures {

    private static final long EVERY_MS = 2000;
    private static final int WINDOW = 30; // 30 × 2 s = the last minute
    private static final int HISTORY = 150; // 5 minutes of points for the chart
    private static final Pattern LAG = Pattern.compile(
            "^cdc_invalidation_lag_seconds_bucket\\{(?=.*region=\"(\\w+)\")(?=.*stage=\"del\")(?=.*le=\"([^\"]+)\").*} (\\S+)$");
    private static final Pattern READS = Pattern.compile("^cache_reads_total\\{(?=.*tier=\"(\\w+)\").*} (\\S+)$");
    private static final Pattern LOADS = Pattern.compile("^cache_db_loads_total\\{.*} (\\S+)$");

    /** Counters at one scrape: lag buckets per region (le → count), reads per tier, database loads. */
    record Scrape(long atMs, Map<String, TreeMap<Double, Double>> lag, Map<String, Double> reads, double loads) {}

    public record Point(long atMs, Map<String, Double> p50Ms, Map<String, Double> p99Ms) {}

    public record Now(
            Map<String, Double> lagP50Ms,
            Map<String, Double> lagP99Ms,
            Map<String, Double> readShare,
            double dbLoadsPerSecond,
            List<Point> history) {}

    private final Topology topology;
    private final HttpClient http;
    private final Deque<Scrape> scrapes = new ArrayDeque<>();
    private final Deque<Point> points = new ArrayDeque<>();
    private final ScheduledExecutorService ticker;

    public Figures(Topology topology) {
        this.topology = topology;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-figures");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::scrape, 0, EVERY_MS, TimeUnit.MILLISECONDS);
    }

    public synchronized Now now() {
        if (scrapes.size() < 2) {
            return new Now(Map.of(), Map.of(), Map.of(), 0, List.of());
        }
        Scrape last = scrapes.peekLast();
        Scrape first = scrapes.peekFirst();
        Map<String, Double> share = new LinkedHashMap<>();
        double total = 0;
        for (var e : last.reads().entrySet()) {
            double d = e.getValue() - first.reads().getOrDefault(e.getKey(), 0.0);
            share.put(e.getKey(), d);
            total += d;
        }
        double t = total;
        share.replaceAll((k, v) -> t > 0 ? v / t : 0);
        Point p = point(first, last);
        double seconds = Math.max(1, (last.atMs() - first.atMs()) / 1000.0);
        return new Now(p.p50Ms(), p.p99Ms(), share, (last.loads() - first.loads()) / seconds, List.copyOf(points));
    }

    private void scrape() {
        try {
            Map<String, TreeMap<Double, Double>> lag = new TreeMap<>();
            Map<String, Double> reads = new TreeMap<>();
            double loads = 0;
            List<String> urls = new ArrayList<>();
            topology.invalidators().forEach(i -> urls.add(i.url()));
            topology.readers().forEach(r -> urls.add(r.url()));
            for (String url : urls) {
                String body;
                try {
                    body = http.send(
                                    HttpRequest.newBuilder(URI.create(url + "/q/metrics"))
                                            .timeout(Duration.ofSeconds(1))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body();
                } catch (Exception e) {
                    continue; // a process that does not answer adds nothing this time
                }
                for (String line : body.split("\n")) {
                    Matcher m;
                    if ((m = LAG.matcher(line)).matches()) {
                        double le =
                                "+Inf".equals(m.group(2)) ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(2));
                        lag.computeIfAbsent(m.group(1), k -> new TreeMap<>())
                                .merge(le, Double.parseDouble(m.group(3)), Double::sum);
                    } else if ((m = READS.matcher(line)).matches()) {
                        reads.merge(m.group(1), Double.parseDouble(m.group(2)), Double::sum);
                    } else if ((m = LOADS.matcher(line)).matches()) {
                        loads += Double.parseDouble(m.group(1));
                    }
                }
            }
            synchronized (this) {
                scrapes.addLast(new Scrape(System.currentTimeMillis(), lag, reads, loads));
                while (scrapes.size() > WINDOW + 1) {
                    scrapes.removeFirst();
                }
                if (scrapes.size() >= 2) {
                    points.addLast(point(scrapes.peekFirst(), scrapes.peekLast()));
                    while (points.size() > HISTORY) {
                        points.removeFirst();
                    }
                }
            }
        } catch (RuntimeException e) {
            // the next scrape tries again
        }
    }

    private static Point point(Scrape first, Scrape last) {
        Map<String, Double> p50 = new TreeMap<>();
        Map<String, Double> p99 = new TreeMap<>();
        for (var e : last.lag().entrySet()) {
            TreeMap<Double, Double> before = first.lag().getOrDefault(e.getKey(), new TreeMap<>());
            TreeMap<Double, Double> delta = new TreeMap<>();
            e.getValue().forEach((le, c) -> delta.put(le, c - before.getOrDefault(le, 0.0)));
            p50.put(e.getKey(), quantileMs(delta, 0.5));
            p99.put(e.getKey(), quantileMs(delta, 0.99));
        }
        return new Point(last.atMs(), p50, p99);
    }

    /** The upper bound (ms) of the bucket holding quantile {@code q} of cumulative buckets; NaN without samples. */
    static double quantileMs(TreeMap<Double, Double> cumulative, double q) {
        double total = cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
        if (total <= 0) {
            return Double.NaN;
        }
        for (var e : cumulative.entrySet()) {
            if (e.getValue() >= q * total) {
                return e.getKey().isInfinite() ? Double.POSITIVE_INFINITY : e.getKey() * 1000;
            }
        }
        return Double.NaN;
    }

    void stop(@Observes ShutdownEvent ev) {
        ticker.shutdownNow();
    }
}
