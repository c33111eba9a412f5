package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The rows of {@code make bench}'s table that judge the hot-key probe's JSON (infra/bench-rows.sh). */
class BenchRowsTest {

    /**
     * The 12:00 run of 2026-12-04: eu made 5 database loads for one expiry, 4 of them after Redis reads that
     * failed the 250 ms timeout, and no latency spike at the expiry. Before the fix both rows shared one verdict, so
     * the p99 row read FAIL for the loads' sake, and nothing said where the extra loads came from.
     */
    @Test
    void eachGoalHasItsOwnVerdictAndLoadsAfterL2ErrorsAreNamed(@TempDir Path dir) throws Exception {
        List<String> rows = hotkeyRows(
                dir,
                "{\"benchmark\":\"hot-key\",\"readers\":64,\"eu\":{\"expiries\":1,\"refreshedEarly\":1,\"cliffs\":0,"
                        + "\"dbLoads\":5,\"l2ReadErrors\":4,\"earlyRefreshes\":1,\"reads\":267632,\"failed\":0,"
                        + "\"p99OutMs\":107.47,\"p99InMs\":42.61},\"us\":{\"expiries\":1,\"refreshedEarly\":1,"
                        + "\"cliffs\":0,\"dbLoads\":1,\"l2ReadErrors\":0,\"earlyRefreshes\":1,\"reads\":330233,"
                        + "\"failed\":0,\"p99OutMs\":72.61,\"p99InMs\":37.57}}");
        assertEquals(2, rows.size(), rows.toString());
        assertEquals(
                "us 1 loads / 1 expiries, 0 cliffs; eu 5 loads (4 after an L2 read error) / 1 expiries, 0 cliffs|FAIL",
                rows.get(0));
        assertEquals("us 37.57 vs 72.61 ms; eu 42.61 vs 107.47 ms|pass", rows.get(1));
    }

    @Test
    void theLoadsRowSaysWhichL2ReadErrorsTheyWere(@TempDir Path dir) throws Exception {
        List<String> rows = hotkeyRows(
                dir,
                "{\"eu\":{\"expiries\":1,\"cliffs\":0,\"dbLoads\":101,\"l2ReadErrors\":100,"
                        + "\"l2ReadTimeouts\":21,\"l2ReadRefused\":77,\"l1LeaseLapses\":3,\"p99OutMs\":76.15,\"p99InMs\":22.30},"
                        + "\"us\":{\"expiries\":1,\"cliffs\":0,\"dbLoads\":1,\"l2ReadErrors\":0,"
                        + "\"l2ReadTimeouts\":0,\"l2ReadRefused\":0,\"p99OutMs\":52.10,\"p99InMs\":28.31}}");
        assertEquals(
                "us 1 loads / 1 expiries, 0 cliffs; eu 101 loads (100 after an L2 read error: 21 timeouts, 77 refused"
                        + " by the open circuit; 3 L1 lease lapses) / 1 expiries, 0 cliffs|FAIL",
                rows.get(0));
    }

    @Test
    void aSpikeAtTheExpiryFailsOnlyTheLatencyRow(@TempDir Path dir) throws Exception {
        List<String> rows = hotkeyRows(
                dir,
                "{\"eu\":{\"expiries\":1,\"cliffs\":0,\"dbLoads\":1,\"l2ReadErrors\":0,\"p99OutMs\":30.00,"
                        + "\"p99InMs\":300.00},\"us\":{\"expiries\":2,\"cliffs\":0,\"dbLoads\":2,\"l2ReadErrors\":0,"
                        + "\"p99OutMs\":30.00,\"p99InMs\":31.00}}");
        assertEquals("us 2 loads / 2 expiries, 0 cliffs; eu 1 loads / 1 expiries, 0 cliffs|pass", rows.get(0));
        assertEquals("us 31.00 vs 30.00 ms; eu 300.00 vs 30.00 ms|FAIL", rows.get(1));
    }

    private static List<String> hotkeyRows(Path dir, String json) throws Exception {
        Path file = dir.resolve("hotkey");
        Files.writeString(file, "  region expiries ...\n  " + json + "\n");
        Repo.Bash r = Repo.bash("set -euo pipefail; source infra/bench-rows.sh; hotkey_rows \"$1\"", file.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertEquals("", r.err(), "stderr");
        return r.out().lines().toList();
    }
}
