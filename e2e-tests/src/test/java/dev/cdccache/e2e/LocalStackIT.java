package dev.cdccache.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local stack as a user runs it: up, every process ready, writes visible in both regions, down, nothing left. */
class LocalStackIT {

    private static final LocalStack STACK = new LocalStack();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static List<Long> pids;

    @BeforeAll
    static void up() throws Exception {
        STACK.run("down"); // leftovers of an aborted earlier run
        STACK.run("clean");
        LocalStack.Result r = STACK.run("up");
        assertEquals(0, r.exit(), r.output());
        pids = new java.util.ArrayList<>(STACK.recordedPids());
        assertTrue(pids.size() >= 13 + 3, "13 processes plus the nodes' own children: " + pids);
    }

    @AfterAll
    static void down() throws Exception {
        pids.addAll(STACK.recordedPids()); // processes restarted by chaos tests too
        LocalStack.Result r = STACK.run("down");
        assertEquals(0, r.exit(), r.output());
        for (long pid : pids) {
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "pid " + pid + " still running after down");
        }
        assertTrue(STACK.recordedPids().isEmpty(), "pid files removed");
    }

    @Test
    void everyProcessIsReadyAndTheTableSaysSo() throws Exception {
        for (String name : List.of("CATALOG_US_1_PORT", "CATALOG_US_2_PORT", "PRICING_US_PORT", "CATALOG_EU_PORT",
                "PRICING_EU_PORT", "CDC_RELAY_PORT", "INVALIDATOR_US_PORT", "INVALIDATOR_EU_PORT")) {
            HttpResponse<String> ready = STACK.get(STACK.port(name), "/q/health/ready");
            assertEquals(200, ready.statusCode(), name + ": " + ready.body());
        }
        String status = STACK.run("status").output();
        assertEquals(8, status.lines().filter(l -> l.endsWith(" ready")).count(), status);
        assertEquals(5, status.lines().filter(l -> l.endsWith(" running")).count(), status);
        assertTrue(STACK.run("up").output().contains("already running"), "up twice is harmless");
    }

    @Test
    void aPriceWriteInUsIsSeenInBothRegionsAndARawSqlFixByCdcAlone() throws Exception {
        int catalogUs2 = STACK.port("CATALOG_US_2_PORT");
        int catalogEu = STACK.port("CATALOG_EU_PORT");
        String path = "/products/77";
        // Warm every tier everywhere.
        for (int port : List.of(STACK.port("CATALOG_US_1_PORT"), catalogUs2, catalogEu)) {
            assertEquals(200, STACK.get(port, path).statusCode());
        }
        assertEquals("L1", STACK.get(catalogEu, path).headers().firstValue("X-Cache").orElse(""));

        HttpResponse<String> put = STACK.send("PUT", STACK.port("PRICING_US_PORT"), "/prices/77",
                "{\"amountMinor\": 31337, \"currency\": \"USD\"}");
        assertEquals(200, put.statusCode(), put.body());
        long version = JSON.readTree(put.body()).get("version").asLong();

        // Same region: the write path's DEL + acknowledged L1 eviction already happened.
        assertEquals(version, priceVersion(STACK.get(catalogUs2, path)));
        // Other region: CDC alone, within a generous bound.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> priceVersion(STACK.get(catalogEu, path)) == version);

        try (Connection c = DriverManager.getConnection(STACK.jdbcUrl(), "cdccache", "cdccache");
             Statement st = c.createStatement()) {
            st.execute("UPDATE prices SET amount_minor = 4242 WHERE product_id = 77");
        }
        for (int port : List.of(catalogUs2, catalogEu)) {
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                    .until(() -> priceVersion(STACK.get(port, path)) == version + 1);
        }
    }

    @Test
    void chaosDropDelsIsBoundedByCdcLag() throws Exception {
        LocalStack.Result r = STACK.script("infra/chaos/drop-dels.sh", Map.of("WRITES", "8"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("BOUND HELD"), r.output());
        assertTrue(r.output().contains("\"neverFresh\":0"), r.output());
    }

    @Test
    void chaosKillRelayReplaysEveryMissedChangeAfterRestart() throws Exception {
        LocalStack.Result r = STACK.script("infra/chaos/kill-relay.sh", Map.of("WRITES", "8", "DOWN_S", "6"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("BOUND HELD"), r.output());
        // Readers were stale while the relay was down (the probe saw it), and none stayed stale.
        assertTrue(r.output().matches("(?s).*\"staleReads\":[1-9].*"), r.output());
        assertTrue(r.output().contains("\"neverFresh\":0"), r.output());
        assertEquals(200, STACK.get(STACK.port("CDC_RELAY_PORT"), "/q/health/ready").statusCode(), "relay back");
    }

    @Test
    void everyMetricTheDashboardQueriesIsServed() throws Exception {
        StringBuilder served = new StringBuilder();
        for (String name : List.of("CATALOG_US_1_PORT", "CATALOG_US_2_PORT", "PRICING_US_PORT", "CATALOG_EU_PORT",
                "PRICING_EU_PORT", "CDC_RELAY_PORT", "INVALIDATOR_US_PORT", "INVALIDATOR_EU_PORT")) {
            served.append(STACK.get(STACK.port(name), "/q/metrics").body());
        }
        // Touch the write path once so its timer has buckets.
        STACK.send("PUT", STACK.port("PRICING_US_PORT"), "/prices/78", "{\"amountMinor\": 1, \"currency\": \"USD\"}");
        served.append(STACK.get(STACK.port("PRICING_US_PORT"), "/q/metrics").body());
        JsonNode dash = JSON.readTree(STACK.root.resolve("infra/grafana/dashboards/cdc-cache-invalidation.json").toFile());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:cache|cdc|ft)_[a-z_]+)\\b")
                .matcher(dash.toString());
        int checked = 0;
        while (m.find()) {
            assertTrue(served.toString().contains("\n" + m.group(1) + "{") || served.toString().contains("\n" + m.group(1) + " "),
                    "the dashboard queries " + m.group(1) + ", which no process serves");
            checked++;
        }
        assertTrue(checked >= 14, "dashboard queries checked: " + checked);
    }

    private static long priceVersion(HttpResponse<String> r) throws Exception {
        JsonNode n = JSON.readTree(r.body());
        return n.path("price").path("version").asLong(-1);
    }
}
