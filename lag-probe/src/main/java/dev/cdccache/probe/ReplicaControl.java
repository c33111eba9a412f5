package dev.cdccache.probe;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Locale;

/**
 * Controls region eu's replica for the chaos scripts: {@code delay <ms>} (the replica applies each commit that long
 * after it was made: {@code recovery_min_apply_delay}, 0 = off), {@code status} (replay position, how far behind).
 * Connects as the replica's superuser ({@code PG_ADMIN_USER}, default {@code postgres}, trusted on 127.0.0.1 by
 * the local stack; under compose the database's own user is superuser).
 */
public final class ReplicaControl {

    public static void main(String[] args) throws Exception {
        String cmd = args.length > 0 ? args[0] : "status";
        String url = "jdbc:postgresql://127.0.0.1:" + StackEnv.port("PG_EU_PORT") + "/" + StackEnv.get("PG_DATABASE");
        String user = System.getenv().getOrDefault("PG_ADMIN_USER", "postgres");
        String password = System.getenv().getOrDefault("PG_ADMIN_PASSWORD", "postgres");
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement st = c.createStatement()) {
            switch (cmd) {
                case "delay" -> {
                    long ms = Long.parseLong(args[1]);
                    st.execute(
                            ms <= 0
                                    ? "ALTER SYSTEM RESET recovery_min_apply_delay"
                                    : "ALTER SYSTEM SET recovery_min_apply_delay = '" + ms + "ms'");
                    st.execute("SELECT pg_reload_conf()");
                    System.out.printf(Locale.ROOT, "replica eu: recovery_min_apply_delay = %d ms%n", Math.max(0, ms));
                }
                case "status" -> {
                    try (ResultSet rs = st.executeQuery(
                            "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn(),"
                                    + " current_setting('recovery_min_apply_delay'),"
                                    + " coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000, -1)::bigint")) {
                        rs.next();
                        System.out.printf(
                                Locale.ROOT,
                                "replica eu: standby=%s replayed=%s apply-delay=%s last-replayed-commit-age=%d ms%n",
                                rs.getBoolean(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getLong(4));
                    }
                }
                default -> {
                    System.err.println("usage: ReplicaControl delay <ms> | status");
                    System.exit(2);
                }
            }
        }
    }
}
