package dev.cdccache.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A single-node KRaft Kafka broker in its own JVM, launched from the jars that {@code infra/kafka-dist} stages.
 * Its own process keeps the broker's Scala classpath apart from the applications' and lets it be killed like
 * any other node.
 */
public final class KafkaNode implements AutoCloseable {

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final Path libs;
    private final Path logFile;
    private Process process;

    public KafkaNode(int port, int controllerPort, Path dataDir, Path libs, Path logFile) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.libs = libs;
        this.logFile = logFile;
    }

    /** Finds the staged broker jars: -Dcdccache.kafka.libs, $CDCCACHE_KAFKA_LIBS, or infra/kafka-dist above cwd. */
    public static Path locateLibs() {
        String configured = System.getProperty("cdccache.kafka.libs", System.getenv("CDCCACHE_KAFKA_LIBS"));
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("infra/kafka-dist/target/kafka-libs");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("Kafka broker jars not found: build infra/kafka-dist first "
                + "(mvn -pl infra/kafka-dist generate-resources) or set -Dcdccache.kafka.libs");
    }

    public synchronized KafkaNode start() throws IOException {
        if (process != null && process.isAlive()) {
            return this;
        }
        if (!Files.isDirectory(libs)) {
            throw new IOException("Kafka broker jars not found at " + libs + ": build infra/kafka-dist first");
        }
        Path logDirs = dataDir.resolve("kraft-logs");
        Files.createDirectories(logDirs);
        Path config = dataDir.resolve("server.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "process.roles=broker,controller",
                        "node.id=1",
                        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                        "controller.listener.names=CONTROLLER",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                        "inter.broker.listener.name=PLAINTEXT",
                        "log.dirs=" + logDirs.toAbsolutePath(),
                        "num.partitions=3",
                        "offsets.topic.replication.factor=1",
                        "offsets.topic.num.partitions=3",
                        "transaction.state.log.replication.factor=1",
                        "transaction.state.log.min.isr=1",
                        "share.coordinator.state.topic.replication.factor=1",
                        "share.coordinator.state.topic.min.isr=1",
                        // A consumer group starts consuming at once instead of waiting 3 s for more members.
                        "group.initial.rebalance.delay.ms=0",
                        // Invalidators use a 2 s session so a dead member's partitions move within ~3 s (default
                        // minimum 6 s).
                        "group.min.session.timeout.ms=1000",
                        "auto.create.topics.enable=true",
                        "log.retention.hours=24",
                        // The log cleaner (compacting __consumer_offsets) allocates its dedupe buffer at start, 128 MB
                        // by default: three quarters of this broker's old generation, full from its first seconds,
                        // and its young collections took 32-108 ms. A few MB dedupe a local broker's offsets.
                        "log.cleaner.dedupe.buffer.size=8388608",
                        ""));
        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            Process format = new ProcessBuilder(javaCommand(
                            List.of("-XX:+UseSerialGC"),
                            "kafka.tools.StorageTool",
                            "format",
                            "-t",
                            Uuid.randomUuid().toString(),
                            "-c",
                            config.toAbsolutePath().toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            try {
                if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                    throw new IOException("kafka storage format failed, see " + logFile);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        List<String> jvm = new ArrayList<>(BROKER_GC);
        jvm.addAll(brokerJvmOptions());
        List<String> broker =
                javaCommand(jvm, "kafka.Kafka", config.toAbsolutePath().toString());
        process = new ProcessBuilder(broker)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        awaitReady(Duration.ofSeconds(90));
        return this;
    }

    /**
     * Extra JVM options for the broker only (not the storage tool), from {@code $CDCCACHE_KAFKA_JVM_OPTS}: the local
     * stack passes its start-up cache there (infra/stack.sh).
     */
    private static List<String> brokerJvmOptions() {
        String opts = System.getenv("CDCCACHE_KAFKA_JVM_OPTS");
        return opts == null || opts.isBlank() ? List.of() : List.of(opts.trim().split("\\s+"));
    }

    /** The broker's java: {@code $CDCCACHE_KAFKA_JAVA} (the stack's application JDK), else this JVM's. */
    private static String javaBinary() {
        String java = System.getenv("CDCCACHE_KAFKA_JAVA");
        return java != null && !java.isBlank()
                ? java
                : Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The broker's collector: G1 with the pause goal Kafka's own start scripts set ({@code kafka-run-class.sh}). Under
     * the serial collector the broker's young collections took 40-100 ms every ~20 s (User 40 ms, Real 80 ms, ~5 MB
     * surviving), and 758 ms once with the CPU contended: every change in flight waited for it, in both regions. Under
     * G1: 5-37 ms (docs/measurements.md, session 13).
     */
    static final List<String> BROKER_GC = List.of(
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent");

    private List<String> javaCommand(List<String> jvmOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("-Xms256m");
        cmd.add("-Xmx512m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmOptions);
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(libs.toAbsolutePath() + File.separator + "*");
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka exited with " + process.exitValue() + " during start, see " + logFile);
            }
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                last = e;
            }
            try {
                Thread.sleep(200); // polling a port with a deadline, not waiting and hoping
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IOException(
                "Kafka not ready on " + bootstrapServers() + " within " + timeout + ", see " + logFile, last);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            process = null;
        }
    }
}
