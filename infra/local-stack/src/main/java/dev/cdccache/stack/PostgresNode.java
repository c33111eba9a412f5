package dev.cdccache.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL 17 server (zonky binaries from Maven) configured for logical decoding.
 *
 * <p>{@code synchronous_commit=on} matters: zonky turns it off, and walsenders only ship flushed WAL, which delays
 * logical decoding by up to ~200 ms behind commits (measured). The application database and role are created once;
 * the schema itself belongs to Flyway.
 */
public final class PostgresNode implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private final Path workDir;
    private final String database;
    private final String user;
    private final String password;
    private EmbeddedPostgres pg;

    public PostgresNode(int port, Path dataDir, Path workDir, String database, String user, String password) {
        this.port = port;
        this.dataDir = dataDir;
        this.workDir = workDir;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    public synchronized PostgresNode start() throws IOException {
        if (pg != null) {
            return this;
        }
        Files.createDirectories(dataDir);
        Files.createDirectories(workDir);
        pg = builder(port, dataDir, workDir)
                .setServerConfig("synchronous_commit", "on")
                // Bounds the WAL an abandoned or stuck slot can pin; a breach invalidates the slot (the relay then
                // stops loudly and make cdc-reset recovers) instead of filling the disk.
                .setServerConfig("max_slot_wal_keep_size", "2GB")
                .setPGStartupWait(java.time.Duration.ofSeconds(60))
                .start();
        createDatabaseAndRole();
        return this;
    }

    /**
     * The settings the primary and its replica share (a hot standby needs the WAL and connection limits at least as
     * high as its primary's): loopback only, logical WAL, no fsync (a local stack, not a database to keep).
     */
    static EmbeddedPostgres.Builder builder(int port, Path dataDir, Path workDir) {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(workDir.toFile())
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_wal_senders", "10")
                .setServerConfig("max_replication_slots", "10")
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off");
    }

    private void createDatabaseAndRole() throws IOException {
        String adminUrl = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection c = DriverManager.getConnection(adminUrl, "postgres", "postgres");
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user + "'")) {
                if (!rs.next()) {
                    // REPLICATION: the CDC relay opens a logical replication slot as this role.
                    st.execute("CREATE ROLE \"" + user + "\" LOGIN REPLICATION PASSWORD '" + password.replace("'", "''")
                            + "'");
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (!rs.next()) {
                    st.execute("CREATE DATABASE \"" + database + "\" OWNER \"" + user + "\"");
                }
            }
        } catch (SQLException e) {
            throw new IOException("PostgreSQL started on port " + port + " but creating database/role failed", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    @Override
    public synchronized void close() throws IOException {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }
}
