package dev.cdccache.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.JMException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.lang.management.ManagementFactory;

/**
 * PostgreSQL, one Redis per region and Kafka on free ports, started once per JVM and stopped at JVM exit.
 *
 * <p>Quarkus may load test resources and test classes through different class loaders, so the running instance is
 * published JVM-wide in forms every loader sees identically: the connection properties as one string system
 * property, and the control operations as a platform MBean ({@code dev.cdccache:type=BackingServices}) invoked by
 * name. {@link StackControl} is the typed view of both.
 */
public final class BackingServices {

    public static final String CONTROL_MBEAN = "dev.cdccache:type=BackingServices";
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
    public static synchronized Map<String, String> startShared() {
        String existing = System.getProperty(PROPERTIES_KEY);
        if (existing != null) {
            return decode(existing);
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
        Map<String, String> props = services.properties();
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(
                    new StandardMBean(new Control(services), ControlMBean.class), new ObjectName(CONTROL_MBEAN));
        } catch (JMException e) {
            throw new IllegalStateException("registering the stack control MBean failed", e);
        }
        System.setProperty(PROPERTIES_KEY, encode(props));
        return props;
    }

    /** The operations tests may invoke; JMX calls them by name with JDK types only. */
    public interface ControlMBean {
        String control(String command);
    }

    private record Control(BackingServices services) implements ControlMBean {
        @Override
        public String control(String command) {
            return services.control(command);
        }
    }

    private static String encode(Map<String, String> props) {
        StringBuilder sb = new StringBuilder();
        props.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    private static Map<String, String> decode(String s) {
        Map<String, String> props = new LinkedHashMap<>();
        for (String line : s.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                props.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
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
