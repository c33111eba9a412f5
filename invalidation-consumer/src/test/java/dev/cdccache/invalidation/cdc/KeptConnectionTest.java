package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cdccache.stack.BackingServices;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
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
}
