package dev.cdccache.support.repository;

import java.sql.SQLException;

/** PostgreSQL error codes the repositories translate into domain exceptions. */
public final class SqlState {

    public static final String FOREIGN_KEY_VIOLATION = "23503";
    public static final String UNIQUE_VIOLATION = "23505";

    private SqlState() {}

    /** The SQLSTATE of the first {@link SQLException} in the cause chain (Hibernate wraps it), or null. */
    public static String of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                return s.getSQLState();
            }
        }
        return null;
    }
}
