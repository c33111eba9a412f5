package dev.cdccache.invalidation.cdc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One kept-open connection that reads a WAL position as a number (bytes since 0/0): the primary's flushed position
 * ({@link #PRIMARY_FLUSHED}) or what a standby has replayed ({@link #REPLICA_REPLAYED}), on a {@link KeptConnection}.
 * Not thread-safe: one per thread.
 */
public final class WalPosition implements WalSource {

    /**
     * Every transaction committed before this query has its commit record at or below the result: with
     * {@code synchronous_commit=on} a commit returns only once its record is flushed, and logical decoding only ships
     * flushed WAL, so a change the relay holds is covered by the position it reads next.
     */
    public static final String PRIMARY_FLUSHED = "SELECT (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint";

    /** The end of the last record a standby has replayed: its transactions committed up to here are visible. */
    public static final String REPLICA_REPLAYED =
            "SELECT (coalesce(pg_last_wal_replay_lsn(), '0/0') - '0/0'::pg_lsn)::bigint";

    private final KeptConnection db;
    private final String query;

    public WalPosition(String url, String user, String password, String query) {
        this.db = new KeptConnection(url, user, password);
        this.query = query;
    }

    @Override
    public long read() throws SQLException {
        // pgjdbc caches the statement per connection (server-prepared from its fifth use), so no handle is kept here.
        return db.apply(c -> {
            try (PreparedStatement ps = c.prepareStatement(query)) {
                ps.setQueryTimeout(5);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public void close() {
        db.close();
    }
}
