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
        endOrphans(dataDir);
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
     * Ends the backends a killed postmaster left behind on this data directory. A backend busy in a query does not
     * notice its postmaster's death and keeps the old shared memory attached, and PostgreSQL then refuses to start
     * ("pre-existing shared memory block is still in use"; the nemesis' restart-postgres in LocalStackIT gave up
     * after 60 s). They are recognised by their working directory, which PostgreSQL sets to the data directory; while
     * a postmaster of this directory is alive nothing is touched (a second start fails on its own, loudly).
     */
    static void endOrphans(Path dataDir) throws IOException {
        Path dir = dataDir.toRealPath();
        Path pidFile = dir.resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            try {
                long pm = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                if (ProcessHandle.of(pm).map(ProcessHandle::isAlive).orElse(false) && isPostgresIn(pm, dir)) {
                    return;
                }
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                // an unreadable pid file: no live postmaster to respect
            }
        }
        java.util.List<ProcessHandle> orphans = ProcessHandle.allProcesses()
                .filter(p -> isPostgresIn(p.pid(), dir))
                .toList();
        if (orphans.isEmpty()) {
            return;
        }
        System.err.printf(
                "ending %d PostgreSQL backend(s) a killed postmaster left on %s: %s%n",
                orphans.size(), dir, orphans.stream().map(ProcessHandle::pid).toList());
        orphans.forEach(ProcessHandle::destroyForcibly);
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (orphans.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < until) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while ending orphaned backends", e);
            }
        }
    }

    /** A process named postgres whose working directory is {@code dir}. */
    private static boolean isPostgresIn(long pid, Path dir) {
        try {
            Path proc = Path.of("/proc", Long.toString(pid));
            String comm = Files.readString(proc.resolve("comm")).trim();
            return comm.startsWith("postgres")
                    && Files.readSymbolicLink(proc.resolve("cwd")).equals(dir);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false; // gone, or not ours to inspect
        }
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
