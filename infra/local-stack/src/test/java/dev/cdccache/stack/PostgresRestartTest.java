package dev.cdccache.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

/**
 * A postmaster killed while a backend is busy leaves that backend running and attached to its shared memory; the
 * next start on the same data directory must still succeed (LocalStackIT's nemesis, 2026-12-03: "pre-existing shared
 * memory block is still in use", the restart gave up after 60 s).
 */
class PostgresRestartTest {

    @Test
    void aStartAfterTheOldPostmasterWasKilledMidQuerySucceeds(@TempDir Path dir) throws Exception {
        int port = BackingServices.freePort();
        Path data = dir.resolve("data");
        Path work = dir.resolve("work");
        PostgresNode first = new PostgresNode(port, data, work, "app", "app", "secret").start();
        Thread busy = new Thread(() -> {
            try (Connection c = DriverManager.getConnection(first.jdbcUrl(), "app", "secret");
                    Statement st = c.createStatement()) {
                // CPU-bound, no latch wait: a backend in it does not notice that its postmaster died.
                st.execute("SELECT count(*) FROM generate_series(1, 20000000000)");
            } catch (Exception ignored) {
                // killed with the rest
            }
        });
        busy.setDaemon(true);
        busy.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> activeQueries(port) == 1);
        long postmaster = Long.parseLong(
                Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
        ProcessHandle pm = ProcessHandle.of(postmaster).orElseThrow();
        pm.destroyForcibly();
        await().atMost(Duration.ofSeconds(10)).until(() -> !pm.isAlive());
        first.close(); // its postmaster is gone: releases the data directory's lock in this JVM (the stack: another)

        try (PostgresNode second = new PostgresNode(port, data, work, "app", "app", "secret").start();
                Connection c = DriverManager.getConnection(second.jdbcUrl(), "app", "secret");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    private static int activeQueries(int port) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "postgres");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM generate%'"
                                + " AND state = 'active'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
