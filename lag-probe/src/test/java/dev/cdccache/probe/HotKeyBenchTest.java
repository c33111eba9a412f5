package dev.cdccache.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The hot-key benchmark's L2 read-error series, read from a scrape shaped as the services' /q/metrics print it. */
class HotKeyBenchTest {

    // Micrometer's Prometheus output: tags sorted by name, so "cause" comes before "op".
    private static final String SCRAPE = """
            # TYPE cache_l2_unavailable_total counter
            cache_l2_unavailable_total{cause="circuit-open",op="fill",region="eu"} 5.0
            cache_l2_unavailable_total{cause="circuit-open",op="read",region="eu"} 77.0
            cache_l2_unavailable_total{cause="error",op="fill",region="eu"} 1.0
            cache_l2_unavailable_total{cause="error",op="read",region="eu"} 2.0
            cache_l2_unavailable_total{cause="timeout",op="fill",region="eu"} 3.0
            cache_l2_unavailable_total{cause="timeout",op="read",region="eu"} 21.0
            # TYPE cache_l1_lease_lapses_total counter
            cache_l1_lease_lapses_total{region="eu"} 13.0
            """;

    @Test
    void readsEveryCauseOfReadsAndNoFills() {
        assertEquals(100, ServedMetrics.sum(SCRAPE, HotKeyBench.L2_READ_ERRORS));
        assertEquals(21, ServedMetrics.sum(SCRAPE, HotKeyBench.L2_READ_TIMEOUTS));
        assertEquals(77, ServedMetrics.sum(SCRAPE, HotKeyBench.L2_READ_REFUSED));
        assertEquals(13, ServedMetrics.sum(SCRAPE, HotKeyBench.L1_LEASE_LAPSES));
    }
}
