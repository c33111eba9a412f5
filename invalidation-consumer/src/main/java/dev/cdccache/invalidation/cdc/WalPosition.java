package dev.cdccache.invalidation.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One kept-open connection that reads a WAL position as a number (bytes since 0/0): the primary's flushed position
 * ({@link #PRIMARY_FLUSHED}) or what a standby has replayed ({@link #REPLICA_REPLAYED}). Reconnects on the next call
 * after a failure. Not thread-safe: one per thread.
 */
public final class WalPosition implements AutoCloseable {

    /**
     * Every transaction committed before this query has its commit record at or below the result: with
     * {@code synchronous_commit=on} a commit returns only once its record is flushed, and logical decoding only ships
     * flushed WAL, so a change the relay holds is covered by the position it reads next.
     */
    public static final String PRIMARY_FLUSHED = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint";

    /** The end of the last record a standby has replayed: its transactions committed up to here are visible. */
    public static final String REPLICA_REPLAYED =
            "SELECT (coalesce(pg_last_wal_replay_lsn(), '0/0') - '0/0'::pg_lsn)::bigint";

    private final String url;
    private final String user;
    private final String password;
    private final String query;
    private Connection connection;
    private PreparedStatement statement;

    public WalPosition(String url, String user, String password, String query) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.query = query;
    }

    public long read() throws SQLException {
        try {
            if (connection == null) {
                connection = DriverManager.getConnection(url, user, password);
                statement = connection.prepareStatement(query);
                statement.setQueryTimeout(5);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException ignored) {
            // already broken
        } finally {
            connection = null;
            statement = null;
        }
    }
}
