package dev.cdccache.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        // A first start records the start-up caches, and drives every hot path for them (infra/warm.sh).
        assertTrue(r.output().contains("recording start-up caches"), r.output());
        assertTrue(r.output().contains("warm-up: done"), r.output());
        pids = new java.util.ArrayList<>(STACK.recordedPids());
        assertTrue(pids.size() >= 18 + 4, "18 processes plus the nodes' own children: " + pids);
    }

    @AfterAll
    static void down() throws Exception {
        pids.addAll(STACK.recordedPids()); // processes restarted by chaos tests too
        LocalStack.Result r = STACK.run("down");
        assertEquals(0, r.exit(), r.output());
        for (long pid : pids) {
            assertTrue(
                    ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true),
                    "pid " + pid + " still running after down");
        }
        assertTrue(STACK.recordedPids().isEmpty(), "pid files removed");
    }

    /**
     * The short nemesis: a few repetitions of faults while writers and readers record a history; the checker finds
     * no read stale beyond its bound and no lost invalidation. Then the same checker against a stack whose backstop
     * is switched off (DELs dropped, both invalidators stopped) must report the violation: it can fail.
     */
    @Test
    void theShortNemesisHoldsTheContractAndItsCheckerCanFail() throws Exception {
        // restart-postgres then kill-relay: before the fix, the relay that lost the slot after the restart kept
        // retrying inside Debezium and the next takeover took 5–7 s (reads beyond the bound).
        LocalStack.Result held = STACK.script(
                "infra/nemesis.sh",
                Map.of(),
                "--reps",
                "2",
                "--faults",
                "kill-invalidator,pause-invalidator,drop-dels,drop-l1,restart-postgres,kill-relay,replica-lag,restart-replica",
                "--hold-ms",
                "2000",
                "--heal-ms",
                "2000",
                "--keys",
                "20");
        assertEquals(0, held.exit(), held.output());
        assertTrue(
                held.output().contains("CONTRACT HELD") && held.output().contains("lost invalidations 0"),
                held.output());

        LocalStack.Result broken = STACK.script(
                "infra/nemesis.sh",
                Map.of(),
                "--reps",
                "1",
                "--faults",
                "backstop-off",
                "--hold-ms",
                "6000",
                "--heal-ms",
                "1000",
                "--keys",
                "10",
                "--expect-violations",
                "true");
        assertEquals(0, broken.exit(), broken.output());
        assertTrue(broken.output().contains("VIOLATIONS DETECTED"), broken.output());
        assertEquals(0, STACK.run("up").exit(), "the stack heals after the broken run");
    }

    @Test
    void hostileInputIsRefusedWithProblemsAndChangesNothing() throws Exception {
        HostileInput hostile = new HostileInput(STACK.port("CATALOG_US_1_PORT"), STACK.port("PRICING_US_PORT"));
        assertTrue(hostile.size() >= 300, "at least 300 hostile requests: " + hostile.size());
        String before = HostileInput.fingerprint(STACK.jdbcUrl());
        List<String> failures = hostile.run();
        assertEquals(List.of(), failures, "every hostile request refused with a 4xx problem, nothing leaked");
        assertEquals(before, HostileInput.fingerprint(STACK.jdbcUrl()), "data unchanged");
    }

    @Test
    void noSecretOnAnyCommandLineAndTheSecretFilesAreOwnerOnly() throws Exception {
        java.nio.file.Path token = STACK.stackDir.resolve("admin-token");
        String tokenValue = java.nio.file.Files.readString(token).trim();
        assertTrue(tokenValue.length() >= 24, "a generated token");
        for (java.nio.file.Path f : List.of(token, STACK.stackDir.resolve("secrets.properties"))) {
            assertEquals(
                    "rw-------",
                    java.nio.file.attribute.PosixFilePermissions.toString(
                            java.nio.file.Files.getPosixFilePermissions(f)),
                    f + " is owner-only");
        }
        for (long pid : STACK.recordedPids()) {
            String cmd =
                    ProcessHandle.of(pid).flatMap(p -> p.info().commandLine()).orElse("");
            assertTrue(
                    !cmd.contains(tokenValue) && !cmd.contains("password=") && !cmd.contains("admin.token"),
                    "pid " + pid + " shows a secret on its command line: " + cmd);
        }
    }

    @Test
    void everyProcessIsReadyAndTheTableSaysSo() throws Exception {
        for (String name : List.of(
                "CATALOG_US_1_PORT",
                "CATALOG_US_2_PORT",
                "PRICING_US_PORT",
                "CATALOG_EU_PORT",
                "PRICING_EU_PORT",
                "CDC_RELAY_PORT",
                "INVALIDATOR_US_PORT",
                "INVALIDATOR_EU_PORT",
                "CDC_RELAY_STANDBY_PORT",
                "INVALIDATOR_2_PORT",
                "CONSOLE_PORT")) {
            HttpResponse<String> ready = STACK.get(STACK.port(name), "/q/health/ready");
            assertEquals(200, ready.statusCode(), name + ": " + ready.body());
        }
        String status = STACK.run("status").output();
        assertEquals(11, status.lines().filter(l -> l.endsWith(" ready")).count(), status);
        assertEquals(7, status.lines().filter(l -> l.endsWith(" running")).count(), status);
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
        assertEquals(
                "L1", STACK.get(catalogEu, path).headers().firstValue("X-Cache").orElse(""));

        HttpResponse<String> put = STACK.send(
                "PUT", STACK.port("PRICING_US_PORT"), "/prices/77", "{\"amountMinor\": 31337, \"currency\": \"USD\"}");
        assertEquals(200, put.statusCode(), put.body());
        long version = JSON.readTree(put.body()).get("version").asLong();

        // Same region: the write path's DEL + acknowledged L1 eviction already happened.
        assertEquals(version, priceVersion(STACK.get(catalogUs2, path)));
        // Other region: CDC alone, within a generous bound.
        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> priceVersion(STACK.get(catalogEu, path)) == version);

        try (Connection c = DriverManager.getConnection(STACK.jdbcUrl(), "cdccache", "cdccache");
                Statement st = c.createStatement()) {
            st.execute("UPDATE prices SET amount_minor = 4242 WHERE product_id = 77");
        }
        for (int port : List.of(catalogUs2, catalogEu)) {
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> priceVersion(STACK.get(port, path)) == version + 1);
        }
    }

    /**
     * {@code make bench}'s Java steps with tiny sizes (the read steps need wrk and an idle machine): the table is
     * printed and what is a correctness property rather than a speed holds — one database load per region under a
     * stampede, no invalidation missed, every bulk key gone.
     */
    @Test
    void makeBenchSmokePrintsTheTableAndTheStampedeStaysAtOneLoadPerRegion() throws Exception {
        LocalStack.Result r =
                STACK.script("infra/bench.sh", Map.of("SIZE", "smoke", "STEPS", "stampede,cdc,bulk,start"));
        assertEquals(0, r.exit(), r.output());
        String out = r.output();
        assertTrue(
                out.matches("(?s).*\\| stampede: database loads per region +\\| 1 +\\| us 1, eu 1 \\(non-200: 0\\) .*"),
                out);
        assertTrue(out.contains("\"maxLoadsUs\":1,\"maxLoadsEu\":1,\"non200\":0"), out);
        assertTrue(out.matches("(?s).*\\| CDC lag us p99 +\\| <= 30 ms +\\| [0-9.]+ ms .*"), out);
        assertTrue(out.contains("\"missed\":0"), out);
        assertTrue(out.contains("\"keysLeft\":0"), out);
        // The control process ran beside the CDC steps and each says how long the machine stood still inside it.
        assertTrue(
                out.matches("(?s).*\\| CDC lag us max: the machine stood still inside it +\\| - +\\| [0-9]+ ms \\(run:"
                        + " [0-9]+ stalls, longest [0-9]+ ms\\).*"),
                out);
        assertTrue(out.matches("(?s).*\"keysLeft\":0,\"machineStalledMs\":[0-9]+.*"), out);
        assertTrue(out.contains("== summary (smoke)"), out);
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
        double inconsistentBefore = readersMetric("cache_inconsistencies_total{");
        double checksBefore = readersMetric("cache_consistency_checks_total{");
        LocalStack.Result r = STACK.script("infra/chaos/kill-relay.sh", Map.of("WRITES", "8", "DOWN_S", "6"));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("BOUND HELD"), r.output());
        // Readers were stale while the relay was down (the probe saw it), and none stayed stale.
        assertTrue(r.output().matches("(?s).*\"staleReads\":[1-9].*"), r.output());
        assertTrue(r.output().contains("\"neverFresh\":0"), r.output());
        assertEquals(
                200, STACK.get(STACK.port("CDC_RELAY_PORT"), "/q/health/ready").statusCode(), "relay back");
        // DELs dropped and no relay for 6 s: the correctness sampler (every hit sampled here, 2 s budget) saw
        // entries older than the primary for longer than their budget, within its window (two budgets < 6 s).
        assertTrue(readersMetric("cache_consistency_checks_total{") > checksBefore, "the sampler checked hits");
        assertTrue(
                readersMetric("cache_inconsistencies_total{") > inconsistentBefore,
                "the sampler reported the stale entries the outage left");
    }

    private static final List<String> READERS =
            List.of("CATALOG_US_1_PORT", "CATALOG_US_2_PORT", "PRICING_US_PORT", "CATALOG_EU_PORT", "PRICING_EU_PORT");

    /**
     * A relay that did not run for longer than its silence rule (SIGSTOP: a paused machine stops every process the
     * same way) keeps the slot when it runs again, and says it was stopped: the silence was its own, not a sign that
     * another relay streams. Session 14's 17.6 s stall ended in a needless failover this way (the relay found its own
     * walsender holding the slot and stood down).
     */
    @Test
    void aRelayThatWasStoppedKeepsStreamingWhenItRunsAgain() throws Exception {
        String active = await().atMost(Duration.ofSeconds(30)).until(LocalStackIT::activeRelay, a -> a != null);
        String other = active.equals("cdc-relay") ? "cdc-relay-standby" : "cdc-relay";
        Path log = STACK.stackDir.resolve("logs/" + active + ".log");
        long logBefore = Files.size(log);
        long pid = Long.parseLong(Files.readString(STACK.stackDir.resolve("run/" + active + ".pid"))
                .trim());
        signal("-STOP", pid);
        try {
            Thread.sleep(7000); // the stop itself (longer than the 5 s silence rule), not a wait for a condition
        } finally {
            signal("-CONT", pid);
        }
        // A change committed after the resume reaches both regions, and the relay that was stopped relayed it.
        long id = 79;
        long before = euPrice(id).version();
        long version = sqlPriceUpdate(id);
        assertTrue(version > before);
        await().atMost(Duration.ofSeconds(20)).until(() -> euPrice(id).version() == version);
        assertEquals(active, activeRelay(), "the relay that was stopped still streams");
        String standby = relayHealth(other);
        assertTrue(standby.matches("(?s).*\"relay\" ?: ?\"STANDBY\".*"), standby);
        String logged = Files.readString(log).substring((int) logBefore);
        assertTrue(logged.matches("(?s).*this process did not run for [0-9]{4} ms.*"), logged);
        assertFalse(logged.contains("standing by"), logged);
    }

    private static String activeRelay() throws Exception {
        for (String relay : List.of("cdc-relay", "cdc-relay-standby")) {
            String health = relayHealth(relay);
            if (health.matches("(?s).*\"relay\" ?: ?\"ACTIVE\".*")) {
                return relay;
            }
        }
        return null;
    }

    private static String relayHealth(String relay) throws Exception {
        return STACK.get(
                        STACK.port(relay.equals("cdc-relay") ? "CDC_RELAY_PORT" : "CDC_RELAY_STANDBY_PORT"),
                        "/q/health/ready")
                .body();
    }

    private static void signal(String sig, long pid) throws Exception {
        assertEquals(
                0, new ProcessBuilder("kill", sig, Long.toString(pid)).start().waitFor(), "kill " + sig);
    }

    private static double readersMetric(String line) throws Exception {
        double sum = 0;
        for (String port : READERS) {
            sum += metric(STACK.port(port), line);
        }
        return sum;
    }

    @Test
    void everyMetricTheDashboardQueriesIsServed() throws Exception {
        // cache_hot_keys has rows only for keys read in the last 5 s period: read some, wait for a period to end.
        int catalog = STACK.port("CATALOG_US_1_PORT");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            for (int i = 0; i < 200; i++) {
                STACK.get(catalog, "/products/" + (1 + i % 5));
            }
            return STACK.get(catalog, "/q/metrics").body().contains("\ncache_hot_keys{");
        });
        StringBuilder served = new StringBuilder();
        for (String name : List.of(
                "CATALOG_US_1_PORT",
                "CATALOG_US_2_PORT",
                "PRICING_US_PORT",
                "CATALOG_EU_PORT",
                "PRICING_EU_PORT",
                "CDC_RELAY_PORT",
                "INVALIDATOR_US_PORT",
                "INVALIDATOR_EU_PORT",
                "CDC_RELAY_STANDBY_PORT",
                "INVALIDATOR_2_PORT")) {
            served.append(STACK.get(STACK.port(name), "/q/metrics").body());
        }
        // Touch the write path once so its timer has buckets.
        STACK.send("PUT", STACK.port("PRICING_US_PORT"), "/prices/78", "{\"amountMinor\": 1, \"currency\": \"USD\"}");
        served.append(STACK.get(STACK.port("PRICING_US_PORT"), "/q/metrics").body());
        JsonNode dash = JSON.readTree(STACK.root
                .resolve("infra/grafana/dashboards/cdc-cache-invalidation.json")
                .toFile());
        // The alert rules query the same processes: every series they name must be served too.
        String alerts = java.nio.file.Files.readString(STACK.root.resolve("infra/prometheus/alerts.yml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b((?:cache|cdc|ft|rate_limit)_[a-z_]+)\\b")
                .matcher(dash.toString() + alerts);
        int checked = 0;
        while (m.find()) {
            assertTrue(
                    served.toString().contains("\n" + m.group(1) + "{")
                            || served.toString().contains("\n" + m.group(1) + " "),
                    "the dashboard queries " + m.group(1) + ", which no process serves");
            checked++;
        }
        assertTrue(checked >= 30, "dashboard and alert queries checked: " + checked);
    }

    /** The price version pricing-eu serves, and from which tier. */
    private record Served(long version, String tier) {}

    private static Served euPrice(long id) throws Exception {
        HttpResponse<String> r = STACK.get(STACK.port("PRICING_EU_PORT"), "/prices/" + id);
        assertEquals(200, r.statusCode(), r.body());
        return new Served(
                JSON.readTree(r.body()).get("version").asLong(),
                r.headers().firstValue("X-Cache").orElse(""));
    }

    private static long sqlPriceUpdate(long id) throws Exception {
        try (Connection c = DriverManager.getConnection(STACK.jdbcUrl(), "cdccache", "cdccache");
                Statement st = c.createStatement();
                java.sql.ResultSet rs =
                        st.executeQuery("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id
                                + " RETURNING version")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static double metric(int port, String line) throws Exception {
        double sum = 0;
        for (String l : STACK.get(port, "/q/metrics").body().split("\n")) {
            if (l.startsWith(line)) {
                sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * eu's consumer group has two members (invalidator-eu, invalidator-2) sharing its partitions, and which one holds
     * a given change depends on its partition and on earlier faults: the checks look at both.
     */
    private static final List<String> EU_INVALIDATORS = List.of("INVALIDATOR_EU_PORT", "INVALIDATOR_2_PORT");

    private static double euInvalidatorMetric(String line) throws Exception {
        double sum = 0;
        for (String port : EU_INVALIDATORS) {
            double v = metric(STACK.port(port), line);
            sum += Double.isNaN(v) ? 0 : v;
        }
        return sum;
    }

    /** Some eu invalidator is not ready, and its readiness says {@code why}. */
    private static boolean euInvalidatorNotReady(String why) throws Exception {
        for (String port : EU_INVALIDATORS) {
            HttpResponse<String> ready = STACK.get(STACK.port(port), "/q/health/ready");
            if (ready.statusCode() == 503 && ready.body().contains(why)) {
                return true;
            }
        }
        return false;
    }

    private static boolean euInvalidatorsReady() throws Exception {
        for (String port : EU_INVALIDATORS) {
            if (STACK.get(STACK.port(port), "/q/health/ready").statusCode() != 200) {
                return false;
            }
        }
        return true;
    }

    /** Restarts every invalidator of region eu with the replica gate on or off. */
    private static void euInvalidatorsWithGate(String gate) throws Exception {
        for (String name : List.of("invalidator-eu", "invalidator-2")) {
            assertEquals(0, STACK.run("stop", name).exit());
        }
        LocalStack.Result r = STACK.script("infra/stack.sh", Map.of("REGION_GATE", gate), "up");
        assertEquals(0, r.exit(), r.output());
    }

    /**
     * The race the replica gate exists for, made deterministic by pausing the replica's replay: a change reaches
     * eu's invalidator while eu's replica does not have it, and a miss refills eu's cache from the replica with the
     * old row. With the gate, the invalidation waits for the replica and then removes that refill: eu ends fresh.
     * Without it (cache.region-gate=off) the invalidation is spent before the refill, and after the replica has
     * caught up the old row is still cached in eu.
     */
    @Test
    void theReplicaGateRemovesARefillOfTheOldRowAndTheNaiveModeLeavesIt() throws Exception {
        String key = "prc:v2:price:{%d}";
        // Gated (the stack's mode).
        long gated = 8101;
        euPrice(gated);
        STACK.onReplica("SELECT pg_wal_replay_pause()");
        try {
            long v2 = sqlPriceUpdate(gated);
            // Marker event: eu's invalidator holds the change at its gate (the replica is behind it).
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> euInvalidatorMetric("cdc_replica_behind_bytes{region=\"eu\"}") > 0);
            // An eviction now (LRU, TTL): the next miss refills from the paused replica, with the old row.
            STACK.redis("eu", "DEL", key.formatted(gated));
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> "DB".equals(euPrice(gated).tier()));
            assertEquals(v2 - 1, euPrice(gated).version(), "the refill read the replica, which is behind");
            // A replica far behind (past the gate's 2 s wait): eu's invalidator is not ready and says why.
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                return euInvalidatorNotReady("bytes of WAL behind");
            });
            STACK.onReplica("SELECT pg_wal_replay_resume()");
            // The held invalidation now runs (the gate retries with a backoff of at most 2 s after a long wait).
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> euPrice(gated).version() == v2);
        } finally {
            STACK.onReplica("SELECT pg_wal_replay_resume()");
        }

        // Naive: the eu invalidators restarted with the gate off.
        euInvalidatorsWithGate("off");
        try {
            long naive = 8102;
            euPrice(naive);
            STACK.onReplica("SELECT pg_wal_replay_pause()");
            long v2;
            try {
                v2 = sqlPriceUpdate(naive);
                // Marker event: the naive invalidation has happened (the key is gone from eu's Redis).
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> STACK.redis("eu", "GET", key.formatted(naive)) == null);
                await().atMost(Duration.ofSeconds(5))
                        .until(() -> "DB".equals(euPrice(naive).tier()));
                assertEquals(v2 - 1, euPrice(naive).version());
            } finally {
                STACK.onReplica("SELECT pg_wal_replay_resume()");
            }
            // The replica catches up ...
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> String.valueOf(v2)
                            .equals(STACK.onReplica("SELECT version FROM prices WHERE product_id = " + naive)));
            // ... and a later change through the same pipeline is invalidated in eu (marker event: everything
            // before it has been processed too), yet the old row is still cached and served in eu.
            euPrice(8103);
            sqlPriceUpdate(8103);
            await().atMost(Duration.ofSeconds(10)).until(() -> STACK.redis("eu", "GET", key.formatted(8103)) == null);
            String cached = STACK.redis("eu", "GET", key.formatted(naive));
            assertTrue(
                    cached != null && cached.contains("\"version\":" + (v2 - 1)), "stale row cached in eu: " + cached);
            assertEquals(v2 - 1, euPrice(naive).version(), "eu serves the old price after its replica caught up");
            STACK.redis("eu", "DEL", key.formatted(naive));
        } finally {
            euInvalidatorsWithGate("on");
        }
    }

    /**
     * Remote markers: an eu write is read back at once in eu (price and product view) while eu's replica applies
     * commits 1.5 s late; those reads went to the primary and were not cached.
     */
    @Test
    void euReadsItsOwnWritesWhileItsReplicaLags() throws Exception {
        long id = 8201;
        int pricingEu = STACK.port("PRICING_EU_PORT");
        int catalogEu = STACK.port("CATALOG_EU_PORT");
        euPrice(id);
        STACK.get(catalogEu, "/products/" + id);
        double markerReads = metric(pricingEu, "cache_remote_marker_reads_total");
        STACK.onReplica("ALTER SYSTEM SET recovery_min_apply_delay = '1500ms'");
        STACK.onReplica("SELECT pg_reload_conf()");
        try {
            HttpResponse<String> put =
                    STACK.send("PUT", pricingEu, "/prices/" + id, "{\"amountMinor\": 4711, \"currency\": \"EUR\"}");
            assertEquals(200, put.statusCode(), put.body());
            long version = JSON.readTree(put.body()).get("version").asLong();
            Served read = euPrice(id);
            assertEquals(version, read.version(), "eu reads its own write at once");
            assertEquals("DB", read.tier());
            assertEquals(version, priceVersion(STACK.get(catalogEu, "/products/" + id)), "and the product view");
            assertEquals(
                    String.valueOf(version - 1),
                    STACK.onReplica("SELECT version FROM prices WHERE product_id = " + id),
                    "eu's replica did not have the write yet");
            assertTrue(metric(pricingEu, "cache_remote_marker_reads_total") > markerReads);
            // Once the replica has it, eu's invalidator clears the markers and eu caches the new row again.
            await().atMost(Duration.ofSeconds(8))
                    .until(() -> STACK.redis("eu", "EXISTS", "marker:prc:v2:price:{" + id + "}")
                            .equals("0"));
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                Served s = euPrice(id);
                return s.version() == version && !s.tier().equals("DB");
            });
        } finally {
            STACK.onReplica("ALTER SYSTEM RESET recovery_min_apply_delay");
            STACK.onReplica("SELECT pg_reload_conf()");
        }
    }

    /**
     * The replica stopped: eu's reads fall back to the primary, eu's invalidator reports the replica and holds its
     * changes (readiness DOWN), and after the replica returns every change made meanwhile is invalidated in eu.
     */
    @Test
    void aReplicaRestartLosesNothingAndEuReadsFallBackToThePrimary() throws Exception {
        long id = 8301;
        euPrice(id);
        assertEquals(0, STACK.run("stop", "postgres-eu").exit());
        long version;
        try {
            version = sqlPriceUpdate(id);
            // A cold key in eu is still served: by the primary, behind the replica's circuit breaker.
            assertEquals(
                    200,
                    STACK.get(STACK.port("PRICING_EU_PORT"), "/prices/8302").statusCode());
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                return euInvalidatorNotReady("replica");
            });
        } finally {
            LocalStack.Result r = STACK.run("up");
            assertEquals(0, r.exit(), r.output());
        }
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> euPrice(id).version() == version);
        await().atMost(Duration.ofSeconds(15)).until(() -> euInvalidatorsReady());
        assertTrue(metric(STACK.port("PRICING_EU_PORT"), "cache_replica_fallbacks_total") > 0);
    }

    /**
     * The console in a real browser (Debian's chromium, headless): a write through pricing-us reaches every lane —
     * us at the write's answer (the write path), eu within the CDC bound; with DELs dropped, the us lanes show CDC
     * lag instead. Saves a screenshot under target/.
     */
    @Test
    void theConsoleShowsAWriteReachEveryLaneAndDroppedDelsAsCdcLag() throws Exception {
        org.openqa.selenium.chrome.ChromeOptions options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--window-size=1280,800");
        org.openqa.selenium.chrome.ChromeDriverService service =
                new org.openqa.selenium.chrome.ChromeDriverService.Builder()
                        .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                        .build();
        org.openqa.selenium.WebDriver browser = new org.openqa.selenium.chrome.ChromeDriver(service, options);
        int console = STACK.port("CONSOLE_PORT");
        try {
            browser.get("http://127.0.0.1:" + console + "/?product=8401");
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> text(browser, "#stream-status").contains("live"));
            // Warm: every instance answers and serves the primary's version (the page says "current" five times).
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> (Long) ((org.openqa.selenium.JavascriptExecutor) browser)
                                    .executeScript("return [...document.querySelectorAll('#instances tbody td')]"
                                            + ".filter(td => td.textContent === 'current').length")
                            == 5);

            browser.findElement(org.openqa.selenium.By.id("write-pricing-us")).click();
            List<Lane> first = awaitLanes(browser, "#1");
            for (Lane l : first) {
                assertEquals("true", l.held(), l.toString());
                if (l.region().equals("us")) {
                    assertEquals("write path", l.path(), l.toString());
                    assertTrue(l.ms() <= 100, "us lane fresh at the write's answer: " + l);
                } else {
                    assertTrue(l.ms() <= 2000, "eu lane within the CDC bound: " + l);
                }
            }

            browser.findElement(org.openqa.selenium.By.id("fault-drop-dels")).click();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> text(browser, "#faults-status").contains("DELs dropped"));
            browser.findElement(org.openqa.selenium.By.id("write-pricing-us")).click();
            List<Lane> second = awaitLanes(browser, "#2");
            // Every lane, us included, is now freshened by CDC and within its bound. Not asserted: that a us lane
            // shows a wait. Since the relay's queue hands a change over at once (session 8), CDC can finish before
            // the console's look that follows the answer, which then shows 0 ms (a look's resolution is 50 ms).
            for (Lane l : second) {
                assertEquals("CDC", l.path(), l.toString());
                assertEquals("true", l.held(), l.toString());
            }

            // eu's invalidators paused (SIGSTOP): eu lanes wait, marked as such, and turn fresh after the resume.
            HttpResponse<String> paused =
                    STACK.send("PUT", console, "/api/faults", "{\"dropDels\": false, \"pauseEuInvalidation\": true}");
            assertEquals(200, paused.statusCode(), paused.body());
            browser.findElement(org.openqa.selenium.By.id("write-pricing-us")).click();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String lanes = (String) ((org.openqa.selenium.JavascriptExecutor) browser)
                        .executeScript("return document.querySelector('#timeline-caption').textContent.startsWith("
                                + "'Write #3 ') ? [...document.querySelectorAll('#timeline li')].map(li => "
                                + "li.dataset.region + ':' + li.dataset.path + ':' + li.dataset.ms).join(',') : ''");
                // us fresh (the write path), eu still waiting: its invalidators are stopped.
                return lanes.matches("(us:write path:\\d+,){3}(eu:CDC after resume:,){1}eu:CDC after resume:");
            });
            HttpResponse<String> resumed =
                    STACK.send("PUT", console, "/api/faults", "{\"pauseEuInvalidation\": false}");
            assertEquals(200, resumed.statusCode(), resumed.body());
            for (Lane l : awaitLanes(browser, "#3")) {
                assertEquals("true", l.held(), l.toString());
            }
            java.nio.file.Path shot = java.nio.file.Paths.get("target/console.png");
            java.nio.file.Files.write(
                    shot,
                    ((org.openqa.selenium.TakesScreenshot) browser)
                            .getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
        } finally {
            STACK.send(
                    "PUT",
                    console,
                    "/api/faults",
                    "{\"dropDels\": false, \"dropL1\": false, \"replicaLag\": false, \"pauseEuInvalidation\": false}");
            browser.quit();
        }
    }

    private record Lane(String instance, String region, String path, long ms, String held) {}

    private static String text(org.openqa.selenium.WebDriver browser, String css) {
        return browser.findElement(org.openqa.selenium.By.cssSelector(css)).getText();
    }

    /**
     * Waits until write {@code seq} is on the timeline and every lane has turned fresh; returns the lanes. Read in
     * one script call: the page redraws the timeline on every look (50 ms), so element handles go stale.
     */
    private static List<Lane> awaitLanes(org.openqa.selenium.WebDriver browser, String seq) {
        java.util.concurrent.atomic.AtomicReference<List<Lane>> lanes =
                new java.util.concurrent.atomic.AtomicReference<>();
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    String json = (String) ((org.openqa.selenium.JavascriptExecutor) browser)
                            .executeScript("return JSON.stringify({caption: document.querySelector('#timeline-caption')"
                                    + ".textContent, lanes: [...document.querySelectorAll('#timeline li')]"
                                    + ".map(li => ({...li.dataset}))})");
                    JsonNode page = JSON.readTree(json);
                    if (!page.get("caption").asText().startsWith("Write " + seq + " ")) {
                        return false;
                    }
                    List<Lane> now = new java.util.ArrayList<>();
                    for (JsonNode li : page.get("lanes")) {
                        String ms = li.path("ms").asText("");
                        if (ms.isEmpty()) {
                            return false;
                        }
                        now.add(new Lane(
                                li.path("lane").asText(),
                                li.path("region").asText(),
                                li.path("path").asText(),
                                Long.parseLong(ms),
                                li.path("held").asText()));
                    }
                    lanes.set(now);
                    return now.size() == 5;
                });
        return lanes.get();
    }

    private static long priceVersion(HttpResponse<String> r) throws Exception {
        JsonNode n = JSON.readTree(r.body());
        return n.path("price").path("version").asLong(-1);
    }
}
