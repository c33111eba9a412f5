package dev.cdccache.stack;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The test services as containers (Testcontainers), with the images docker compose uses (pinned in {@code .env}).
 * Redis and Kafka get fixed host ports: a stopped and restarted Redis must come back on the address the services
 * already know, and Kafka must advertise the port clients reach it on.
 */
final class ContainerServices implements TestServices {

    private static final int PG = 5432;
    private static final int REDIS = 6379;

    private final GenericContainer<?> postgres;
    private final Map<String, GenericContainer<?>> redis = new LinkedHashMap<>();
    private final Map<String, Integer> redisPorts = new LinkedHashMap<>();
    private final GenericContainer<?> kafka;
    private final int kafkaPort = BackingServices.freePort();

    ContainerServices() {
        Properties images = images();
        postgres = new GenericContainer<>(DockerImageName.parse(images.getProperty("POSTGRES_IMAGE")))
                .withEnv("POSTGRES_DB", BackingServices.DATABASE)
                .withEnv("POSTGRES_USER", BackingServices.USER)
                .withEnv("POSTGRES_PASSWORD", BackingServices.PASSWORD)
                // The same server settings as the process backend (PostgresNode) and compose.
                .withCommand(
                        "postgres",
                        "-c",
                        "wal_level=logical",
                        "-c",
                        "synchronous_commit=on",
                        "-c",
                        "max_wal_senders=10",
                        "-c",
                        "max_replication_slots=10",
                        "-c",
                        "max_slot_wal_keep_size=2GB",
                        "-c",
                        "max_connections=200",
                        "-c",
                        "fsync=off")
                .withExposedPorts(PG)
                // The image's entrypoint starts a temporary server first; the second message is the real one.
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2)
                        .withStartupTimeout(Duration.ofMinutes(2)));
        for (String region : BackingServices.REGIONS) {
            int port = BackingServices.freePort();
            GenericContainer<?> node = new GenericContainer<>(DockerImageName.parse(images.getProperty("REDIS_IMAGE")))
                    .withCommand("redis-server", "--save", "", "--appendonly", "no")
                    .withExposedPorts(REDIS)
                    .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
            node.setPortBindings(List.of(port + ":" + REDIS));
            redis.put(region, node);
            redisPorts.put(region, port);
        }
        kafka = new GenericContainer<>(DockerImageName.parse(images.getProperty("KAFKA_IMAGE")))
                .withEnv("KAFKA_NODE_ID", "1")
                .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
                .withEnv("KAFKA_LISTENERS", "EXTERNAL://0.0.0.0:" + kafkaPort + ",CONTROLLER://0.0.0.0:9093")
                .withEnv("KAFKA_ADVERTISED_LISTENERS", "EXTERNAL://" + host() + ":" + kafkaPort)
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT")
                .withEnv("KAFKA_INTER_BROKER_LISTENER_NAME", "EXTERNAL")
                .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", "1000")
                .withExposedPorts(kafkaPort)
                .waitingFor(
                        Wait.forLogMessage(".*Kafka Server started.*", 1).withStartupTimeout(Duration.ofMinutes(2)));
        kafka.setPortBindings(List.of(kafkaPort + ":" + kafkaPort));
    }

    /** True when a Docker engine answers; Testcontainers can run. */
    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    @Override
    public String backend() {
        return "containers";
    }

    @Override
    public void start() {
        List<GenericContainer<?>> all = new ArrayList<>();
        all.add(postgres);
        all.addAll(redis.values());
        all.add(kafka);
        all.parallelStream().forEach(GenericContainer::start);
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = BackingServices.pgProperties(postgres.getHost(), postgres.getMappedPort(PG));
        p.put("stack.kafka.bootstrap", host() + ":" + kafkaPort);
        redisPorts.forEach((region, port) -> p.put("stack.redis." + region, "redis://" + host() + ":" + port));
        return p;
    }

    @Override
    public void stopRedis(String region) {
        DockerClientFactory.lazyClient()
                .stopContainerCmd(node(region).getContainerId())
                .withTimeout(1)
                .exec();
    }

    @Override
    public void startRedis(String region) {
        DockerClientFactory.lazyClient()
                .startContainerCmd(node(region).getContainerId())
                .exec();
    }

    @Override
    public boolean redisRunning(String region) {
        node(region);
        return RedisNode.answersPing(host(), redisPorts.get(region));
    }

    private GenericContainer<?> node(String region) {
        GenericContainer<?> node = redis.get(region);
        if (node == null) {
            throw new IllegalArgumentException("no Redis for region " + region);
        }
        return node;
    }

    @Override
    public void close() {
        kafka.stop();
        redis.values().forEach(GenericContainer::stop);
        postgres.stop();
    }

    private static String host() {
        return DockerClientFactory.instance().dockerHostIpAddress();
    }

    /** The images compose runs, from the repository's {@code .env} (found upwards from the working directory). */
    private static Properties images() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path env = dir.resolve(".env");
            if (Files.isRegularFile(env)) {
                Properties p = new Properties();
                try (var in = Files.newBufferedReader(env)) {
                    p.load(in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (p.containsKey("POSTGRES_IMAGE")) {
                    return p;
                }
            }
        }
        throw new IllegalStateException(
                "no .env with the pinned images above " + Paths.get("").toAbsolutePath());
    }
}
