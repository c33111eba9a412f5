package dev.cdccache.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The test services as local processes on free ports: zonky PostgreSQL, embedded Redis, a KRaft broker JVM. */
final class ProcessServices implements TestServices {

    private final PostgresNode postgres;
    private final Map<String, RedisNode> redis = new LinkedHashMap<>();
    private final KafkaNode kafka;

    ProcessServices(Path workDir) {
        postgres = new PostgresNode(
                BackingServices.freePort(),
                workDir.resolve("pg-data"),
                workDir.resolve("pg-bin"),
                BackingServices.DATABASE,
                BackingServices.USER,
                BackingServices.PASSWORD);
        for (String region : BackingServices.REGIONS) {
            redis.put(region, new RedisNode(region, BackingServices.freePort()));
        }
        kafka = new KafkaNode(
                BackingServices.freePort(),
                BackingServices.freePort(),
                workDir.resolve("kafka"),
                KafkaNode.locateLibs(),
                workDir.resolve("kafka.log"));
    }

    @Override
    public String backend() {
        return "process";
    }

    @Override
    public void start() throws IOException {
        postgres.start();
        for (RedisNode node : redis.values()) {
            node.start();
        }
        kafka.start();
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = BackingServices.pgProperties("127.0.0.1", postgres.port());
        p.put("stack.kafka.bootstrap", kafka.bootstrapServers());
        redis.forEach((region, node) -> p.put("stack.redis." + region, node.uri()));
        return p;
    }

    @Override
    public void stopRedis(String region) throws IOException {
        node(region).stop();
    }

    @Override
    public void startRedis(String region) throws IOException {
        node(region).start();
    }

    @Override
    public boolean redisRunning(String region) {
        return node(region).isRunning();
    }

    private RedisNode node(String region) {
        RedisNode node = redis.get(region);
        if (node == null) {
            throw new IllegalArgumentException("no Redis for region " + region);
        }
        return node;
    }

    @Override
    public void close() {
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
}
