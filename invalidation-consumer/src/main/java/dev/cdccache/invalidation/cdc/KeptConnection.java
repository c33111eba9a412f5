package dev.cdccache.invalidation.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;

/**
 * A JDBC connection kept open across calls, since opening one per call cost up to a second on a loaded machine, and
 * reopened by the next call after a failure. Not thread-safe: one per thread.
 *
 * <p>Every call is bounded: pgjdbc waits for an answer forever by default ({@code socketTimeout=0}), so a database
 * that stopped answering (a blackholed link, a stopped host) held the caller — the relay's takeover loop, which asks
 * its slot question while holding the relay's monitor, and with it failover and shutdown. The calls made here are
 * one-row queries; a URL that sets its own timeouts keeps them.
 */
public final class KeptConnection implements AutoCloseable {

    /** The longest wait for any answer on the connection (a one-row query takes milliseconds). */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(5);
    /** The longest wait for the TCP connection and for the login. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    /** Work on the kept connection. */
    @FunctionalInterface
    public interface Work<T> {
        T on(Connection connection) throws SQLException;
    }

    private final String url;
    private final String user;
    private final String password;
    private Connection connection;

    public KeptConnection(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** Runs {@code work} on the kept connection; a failure drops it, so that the next call reconnects. */
    public <T> T apply(Work<T> work) throws SQLException {
        try {
            if (connection == null) {
                connection = open(url, user, password);
            }
            return work.on(connection);
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    /** A new connection whose every wait is bounded as described above (for one-off use; close it). */
    public static Connection open(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        // pgjdbc lets the URL's own parameters win over these.
        p.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
        p.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("loginTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        return DriverManager.getConnection(url, p);
    }

    /** Drops the connection; the next {@link #apply} opens a new one. */
    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection: nothing to release
            }
            connection = null;
        }
    }
}
