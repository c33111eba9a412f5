package dev.cdccache.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * PostgreSQL, one Redis per region and Kafka on free ports, started once per JVM and stopped at JVM exit.
 *
 * <p>Quarkus may load test resources and test classes through different class loaders, so the running instance is
 * published in the system properties as JDK types only (connection strings, and a {@code Function<String,String>}
 * control handle), which every loader sees identically. {@link StackControl} is the typed view of that handle.
 */
public final class BackingServices {

    public static final String CONTROL_KEY = "cdccache.stack.control";
    public static final String PROPERTIES_KEY = "cdccache.stack.properties";
    public static final String[] REGIONS = {"us", "eu"};

    public static final String DATABASE = "cdccache";
    public static final String USER = "cdccache";
    public static final String PASSWORD = "cdccache";

    private final PostgresNode postgres;
    private final Map<String, RedisNode> redis = new LinkedHashMap<>();
    private final KafkaNode kafka;

    private BackingServices(Path workDir) {
        postgres = new PostgresNode(freePort(), workDir.resolve("pg-data"), workDir.resolve("pg-bin"),
                DATABASE, USER, PASSWORD);
        for (String region : REGIONS) {
            redis.put(region, new RedisNode(region, freePort()));
        }
        kafka = new KafkaNode(freePort(), freePort(), workDir.resolve("kafka"), KafkaNode.locateLibs(),
                workDir.resolve("kafka.log"));
    }

    /** Starts the shared instance if this JVM has none yet, and returns its connection properties. */
    @SuppressWarnings("unchecked")
    public static synchronized Map<String, String> startShared() {
        Object existing = System.getProperties().get(PROPERTIES_KEY);
        if (existing instanceof Map<?, ?> props) {
            return (Map<String, String>) props;
        }
        Path workDir = Paths.get(System.getProperty("cdccache.work.dir", "target/stack"))
                .toAbsolutePath().resolve("run-" + ProcessHandle.current().pid());
        BackingServices services = new BackingServices(workDir);
        try {
            Files.createDirectories(workDir);
            services.start();
        } catch (IOException e) {
            services.stopAll();
            throw new UncheckedIOException("Starting PostgreSQL/Redis/Kafka for tests failed", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(services::stopAll, "backing-services-stop"));
        Map<String, String> props = Map.copyOf(services.properties());
        System.getProperties().put(PROPERTIES_KEY, props);
        System.getProperties().put(CONTROL_KEY, (Function<String, String>) services::control);
        return props;
    }

    private void start() throws IOException {
        postgres.start();
        for (RedisNode node : redis.values()) {
            node.start();
        }
        kafka.start();
    }

    private Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("stack.pg.jdbc-url", postgres.jdbcUrl());
        p.put("stack.pg.host", "127.0.0.1");
        p.put("stack.pg.port", String.valueOf(postgres.port()));
        p.put("stack.pg.database", DATABASE);
        p.put("stack.pg.user", USER);
        p.put("stack.pg.password", PASSWORD);
        p.put("stack.kafka.bootstrap", kafka.bootstrapServers());
        redis.forEach((region, node) -> p.put("stack.redis." + region, node.uri()));
        return p;
    }

    /** Commands: {@code redis-stop:<region>}, {@code redis-start:<region>}, {@code redis-running:<region>}. */
    private String control(String command) {
        String[] parts = command.split(":", 2);
        RedisNode node = parts.length == 2 ? redis.get(parts[1]) : null;
        if (node == null) {
            throw new IllegalArgumentException("unknown stack command: " + command);
        }
        try {
            switch (parts[0]) {
                case "redis-stop" -> node.stop();
                case "redis-start" -> node.start();
                case "redis-running" -> {
                    return String.valueOf(node.isRunning());
                }
                default -> throw new IllegalArgumentException("unknown stack command: " + command);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "ok";
    }

    private void stopAll() {
        kafka.close();
        for (RedisNode node : redis.values()) {
            try {
                node.close();
            } catch (IOException ignored) {
                // best effort at JVM exit
            }
        }
        try {
            postgres.close();
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
