package dev.cdccache.support.cache;

import dev.cdccache.cache.SourceUnavailable;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * PostgreSQL cannot be reached or is not accepting work (connection refused or lost, shutting down, out of
 * resources, no pooled connection in time). Told apart from a query's own error (a bug: 500) by SQLSTATE class.
 */
public class DatabaseUnavailable extends SourceUnavailable {

    public DatabaseUnavailable(String message) {
        super(message, 2);
    }

    /** Whether {@code t} (or a cause) says the database is unavailable rather than that the query was wrong. */
    public static boolean causedBy(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException sql) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P: operator intervention (shutdown, cannot connect now); 53: resources.
                if (state != null && (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53"))) {
                    return true;
                }
                // Agroal: no connection could be acquired in time (no SQLSTATE).
                if (state == null
                        && sql.getMessage() != null
                        && sql.getMessage().contains("Acquisition timeout")) {
                    return true;
                }
            }
        }
        return false;
    }
}
