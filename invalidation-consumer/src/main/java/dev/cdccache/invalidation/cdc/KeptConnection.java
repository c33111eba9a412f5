package dev.cdccache.invalidation.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/**
 * A JDBC connection kept open across calls, since opening one per call cost up to a second on a loaded machine, and
 * reopened by the next call after a failure. Not thread-safe: one per thread.
 */
public final class KeptConnection implements AutoCloseable {

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
                connection = DriverManager.getConnection(url, user, password);
            }
            return work.on(connection);
        } catch (SQLException e) {
            close();
            throw e;
        }
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
