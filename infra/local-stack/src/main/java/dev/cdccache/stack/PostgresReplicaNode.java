package dev.cdccache.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Set;

/**
 * A streaming hot-standby replica of {@link PostgresNode}: region eu's read-only copy of the primary.
 *
 * <p>The zonky bundle has no {@code pg_basebackup}, so the first start takes the base backup itself, the way the
 * PostgreSQL manual describes a low-level backup: a physical replication slot reserved first (the WAL from then on
 * stays until the replica has streamed it), {@code pg_backup_start}, a file copy of the running primary's data
 * directory, {@code pg_backup_stop}, whose label goes into the copy. Then {@code standby.signal} and
 * {@code primary_conninfo}: the replica streams from the primary through {@code upstreamPort}, which on the local
 * stack is the {@link WanLink} (so the WAL crosses the same simulated WAN as eu's queries). Later starts reuse the
 * data directory and resume streaming from the slot.
 */
public final class PostgresReplicaNode implements AutoCloseable {

    /** Data-directory entries a base backup leaves out (PostgreSQL manual, "Making a Base Backup"). */
    private static final Set<String> SKIPPED = Set.of(
            "postmaster.pid",
            "postmaster.opts",
            "backup_label",
            "tablespace_map",
            "standby.signal",
            "recovery.signal",
            "pg_internal.init");

    private static final Set<String> EMPTIED = Set.of(
            "pg_wal",
            "pg_replslot",
            "pg_stat_tmp",
            "pg_dynshmem",
            "pg_notify",
            "pg_serial",
            "pg_snapshots",
            "pg_subtrans");

    private final int port;
    private final Path dataDir;
    private final Path workDir;
    private final Path primaryDataDir;
    private final int primaryPort;
    private final int upstreamPort;
    private final String user;
    private final String password;
    private final String slot;
    private EmbeddedPostgres pg;

    /**
     * @param primaryPort  the primary itself, for taking the base backup (same host)
     * @param upstreamPort where the replica streams from: the primary, or a link in front of it
     */
    public PostgresReplicaNode(
            int port,
            Path dataDir,
            Path workDir,
            Path primaryDataDir,
            int primaryPort,
            int upstreamPort,
            String user,
            String password,
            String slot) {
        this.port = port;
        this.dataDir = dataDir;
        this.workDir = workDir;
        this.primaryDataDir = primaryDataDir;
        this.primaryPort = primaryPort;
        this.upstreamPort = upstreamPort;
        this.user = user;
        this.password = password;
        this.slot = slot;
    }

    public synchronized PostgresReplicaNode start() throws IOException {
        if (pg != null) {
            return this;
        }
        Files.createDirectories(workDir);
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            baseBackup();
        }
        PostgresNode.endOrphans(dataDir);
        pg = PostgresNode.builder(port, dataDir, workDir)
                .setServerConfig("hot_standby", "on")
                // Queries on the replica hold back the primary's vacuum instead of being cancelled by it.
                .setServerConfig("hot_standby_feedback", "on")
                .setServerConfig("wal_receiver_status_interval", "1s")
                .setPGStartupWait(Duration.ofSeconds(120))
                .start();
        return this;
    }

    private String primaryUrl() {
        return "jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres";
    }

    private void baseBackup() throws IOException {
        deleteTree(dataDir);
        Files.createDirectories(dataDir);
        try (Connection c = DriverManager.getConnection(primaryUrl(), "postgres", "postgres");
                Statement st = c.createStatement()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        try (PreparedStatement create =
                                c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
                            create.setString(1, slot);
                            create.execute();
                        }
                    }
                }
            }
            st.execute("SELECT pg_backup_start('" + slot + "', true)");
            copyDataDirectory();
            try (ResultSet rs = st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(dataDir.resolve("backup_label"), rs.getString(1));
                String map = rs.getString(2);
                if (map != null && !map.isEmpty()) {
                    Files.writeString(dataDir.resolve("tablespace_map"), map);
                }
            }
        } catch (SQLException e) {
            throw new IOException("base backup of the primary on port " + primaryPort + " failed", e);
        }
        Files.createFile(dataDir.resolve("standby.signal"));
        String conninfo = "host=127.0.0.1 port=" + upstreamPort + " user=" + user + " password="
                + password.replace("\\", "\\\\").replace("'", "\\'") + " application_name=" + slot;
        Files.writeString(
                dataDir.resolve("postgresql.auto.conf"),
                "\n# Written by the replica's base backup (local stack).\n"
                        + "primary_conninfo = '" + conninfo.replace("'", "''") + "'\n"
                        + "primary_slot_name = '" + slot + "'\n",
                StandardOpenOption.APPEND);
    }

    private void copyDataDirectory() throws IOException {
        Files.walkFileTree(primaryDataDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = dataDir.resolve(primaryDataDir.relativize(dir).toString());
                Files.createDirectories(target);
                if (!dir.equals(primaryDataDir)
                        && EMPTIED.contains(dir.getFileName().toString())) {
                    if ("pg_wal".equals(dir.getFileName().toString())) {
                        Files.createDirectories(target.resolve("archive_status"));
                        Files.createDirectories(target.resolve("summaries"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                if (!SKIPPED.contains(name) && !name.startsWith("pgsql_tmp")) {
                    try {
                        Files.copy(
                                file,
                                dataDir.resolve(primaryDataDir.relativize(file).toString()),
                                StandardCopyOption.REPLACE_EXISTING);
                    } catch (NoSuchFileException gone) {
                        // removed while copying (a temporary file): WAL replay recreates what matters
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }
        });
        Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Stops the replica (it keeps its data directory and resumes from the slot on the next start). */
    @Override
    public synchronized void close() throws IOException {
        if (pg != null) {
            pg.close();
            pg = null;
        }
    }
}
