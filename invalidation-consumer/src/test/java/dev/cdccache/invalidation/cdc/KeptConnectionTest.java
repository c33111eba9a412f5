package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.BackingServices;
import dev.cdccache.stack.FaultProxy;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;

/** On the test JVM's real PostgreSQL: the connection is kept between calls and replaced after it broke. */
class KeptConnectionTest {

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                var rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void keptBetweenCallsAndReopenedByTheCallAfterAFailure() throws Exception {
        Map<String, String> pg = BackingServices.startShared();
        String url = pg.get("stack.pg.jdbc-url");
        String user = pg.get("stack.pg.user");
        String password = pg.get("stack.pg.password");
        try (KeptConnection kept = new KeptConnection(url, user, password);
                Connection admin = DriverManager.getConnection(url, user, password)) {
            int first = kept.apply(KeptConnectionTest::backendPid);
            assertEquals(first, kept.apply(KeptConnectionTest::backendPid), "one backend for both calls");

            try (Statement st = admin.createStatement()) {
                st.execute("SELECT pg_terminate_backend(" + first + ")");
            }
            assertThrows(SQLException.class, () -> kept.apply(KeptConnectionTest::backendPid));

            int second = kept.apply(KeptConnectionTest::backendPid);
            assertNotEquals(first, second, "a new backend after the failure");
            assertEquals(second, kept.apply(KeptConnectionTest::backendPid));
        }
    }

    /**
     * A PostgreSQL that stops answering (a blackholed link: the connection stays open, nothing comes back) must fail
     * the call, not hang it: the relay's takeover loop asks its slot question on a kept connection while holding the
     * relay's monitor, so a hung read stopped failover and shutdown alike. Before the fix this call never returned.
     */
    @Test
    void aDatabaseThatStopsAnsweringFailsTheCallInsteadOfHangingIt() throws Exception {
        Map<String, String> pg = BackingServices.startShared();
        String url = pg.get("stack.pg.jdbc-url");
        int pgPort = Integer.parseInt(url.replaceAll("^jdbc:postgresql://[^:]+:(\\d+)/.*$", "$1"));
        int proxyPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            proxyPort = free.getLocalPort();
        }
        String viaProxy = url.replace(":" + pgPort + "/", ":" + proxyPort + "/");
        try (FaultProxy proxy = new FaultProxy(proxyPort, pgPort, 0).start();
                KeptConnection kept =
                        new KeptConnection(viaProxy, pg.get("stack.pg.user"), pg.get("stack.pg.password"))) {
            int before = kept.apply(KeptConnectionTest::backendPid);

            proxy.blackhole();
            long t0 = System.nanoTime();
            assertTimeoutPreemptively(
                    Duration.ofSeconds(30),
                    () -> assertThrows(SQLException.class, () -> kept.apply(KeptConnectionTest::backendPid)),
                    "a call on a connection whose database stopped answering must fail within its timeout");
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(
                    waitedMs >= KeptConnection.SOCKET_TIMEOUT.toMillis() - 500,
                    "failed by the socket timeout, not by something else: " + waitedMs + " ms");

            proxy.reset();
            assertNotEquals(before, kept.apply(KeptConnectionTest::backendPid), "a new connection once it answers");
        }
    }
}
