package dev.cdccache.probe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a process's Prometheus text ({@code /q/metrics}) for the benchmarks. */
final class ServedMetrics {

    private ServedMetrics() {}

    /** Each of {@code series} summed over {@code procs}, from one scrape of each process. */
    static double[] sums(HttpClient http, List<Topology.Proc> procs, List<Pattern> series) throws Exception {
        double[] sums = new double[series.size()];
        for (Topology.Proc in : procs) {
            String metrics = scrape(http, in);
            for (int i = 0; i < sums.length; i++) {
                sums[i] += sum(metrics, series.get(i));
            }
        }
        return sums;
    }

    /** {@code in}'s metrics as Prometheus text, for reading several series from one scrape. */
    static String scrape(HttpClient http, Topology.Proc in) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(URI.create(in.http() + "/q/metrics"))
                                // Bounded: a benchmark waiting forever on one lost response hangs the test suite.
                                .timeout(java.time.Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The sum of the series {@code series} matches (its first group is the value) in scraped metrics. */
    static double sum(String metrics, Pattern series) {
        Matcher m = series.matcher(metrics);
        double v = 0;
        while (m.find()) {
            v += Double.parseDouble(m.group(1));
        }
        return v;
    }
}
