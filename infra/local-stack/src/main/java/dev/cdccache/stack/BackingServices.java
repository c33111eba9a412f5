package dev.cdccache.stack;

import javax.management.JMException;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The test services of this JVM ({@link TestServices}), started once and stopped at JVM exit. The backend is chosen
 * by the system property {@code cdccache.test-services}: {@code containers} (Testcontainers; fails if no Docker
 * engine answers), {@code process} (local processes), or {@code auto} (the default: containers when a Docker engine
 * answers, processes otherwise).
 *
 * <p>Quarkus may load test resources and test classes through different class loaders, so the running instance is
 * published JVM-wide in forms every loader sees identically: the connection properties as one string system
 * property, and the control operations as a platform MBean ({@code dev.cdccache:type=BackingServices}) invoked by
 * name. {@link StackControl} is the typed view of both.
 */
public final class BackingServices {

    public static final String CONTROL_MBEAN = "dev.cdccache:type=BackingServices";
    public static final String PROPERTIES_KEY = "cdccache.stack.properties";
    public static final String BACKEND_PROPERTY = "cdccache.test-services";
    public static final String[] REGIONS = {"us", "eu"};

    public static final String DATABASE = "cdccache";
    public static final String USER = "cdccache";
    public static final String PASSWORD = "cdccache";

    private BackingServices() {}

    /** The backend {@link #BACKEND_PROPERTY} asks for; {@code auto} probes for a Docker engine. */
    static TestServices choose(Path workDir) {
        String wanted = System.getProperty(BACKEND_PROPERTY, "auto");
        return switch (wanted) {
            case "process" -> new ProcessServices(workDir);
            case "containers" -> {
                if (!ContainerServices.dockerAvailable()) {
                    throw new IllegalStateException(BACKEND_PROPERTY + "=containers, but no Docker engine answers");
                }
                yield new ContainerServices();
            }
            case "auto" -> ContainerServices.dockerAvailable() ? new ContainerServices() : new ProcessServices(workDir);
            default ->
                throw new IllegalArgumentException(
                        BACKEND_PROPERTY + " must be auto, containers or process, not " + wanted);
        };
    }

    /** Starts the shared instance if this JVM has none yet, and returns its connection properties. */
    public static synchronized Map<String, String> startShared() {
        String existing = System.getProperty(PROPERTIES_KEY);
        if (existing != null) {
            return decode(existing);
        }
        Path workDir = Paths.get(System.getProperty("cdccache.work.dir", "target/stack"))
                .toAbsolutePath()
                .resolve("run-" + ProcessHandle.current().pid());
        TestServices services = choose(workDir);
        try {
            Files.createDirectories(workDir);
            services.start();
        } catch (IOException | RuntimeException e) {
            services.close();
            throw new IllegalStateException(
                    "Starting PostgreSQL/Redis/Kafka (" + services.backend() + " backend) for tests failed", e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(services::close, "backing-services-stop"));
        Map<String, String> props = new LinkedHashMap<>(services.properties());
        props.put("stack.backend", services.backend());
        try {
            ManagementFactory.getPlatformMBeanServer()
                    .registerMBean(
                            new StandardMBean(new Control(services), ControlMBean.class),
                            new ObjectName(CONTROL_MBEAN));
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

    private record Control(TestServices services) implements ControlMBean {
        @Override
        public String control(String command) {
            return BackingServices.control(services, command);
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

    /** The PostgreSQL part of {@link TestServices#properties()}. */
    static Map<String, String> pgProperties(String host, int port) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("stack.pg.jdbc-url", "jdbc:postgresql://" + host + ":" + port + "/" + DATABASE);
        p.put("stack.pg.host", host);
        p.put("stack.pg.port", String.valueOf(port));
        p.put("stack.pg.database", DATABASE);
        p.put("stack.pg.user", USER);
        p.put("stack.pg.password", PASSWORD);
        return p;
    }

    /** Commands: {@code redis-stop:<region>}, {@code redis-start:<region>}, {@code redis-running:<region>}. */
    private static String control(TestServices services, String command) {
        String[] parts = command.split(":", 2);
        if (parts.length != 2) {
            throw new IllegalArgumentException("unknown stack command: " + command);
        }
        try {
            switch (parts[0]) {
                case "redis-stop" -> services.stopRedis(parts[1]);
                case "redis-start" -> services.startRedis(parts[1]);
                case "redis-running" -> {
                    return String.valueOf(services.redisRunning(parts[1]));
                }
                default -> throw new IllegalArgumentException("unknown stack command: " + command);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "ok";
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
