package dev.cdccache.stack;

import redis.embedded.RedisServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis Cluster of real redis-server processes (the embedded-redis binary), masters only, on free ports: the 16,384
 * slots split evenly, the nodes introduced to each other, started when every node reports {@code cluster_state:ok}.
 * For tests that must show the cache protocol is cluster-ready.
 */
public final class RedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;

    private final List<RedisServer> servers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private RedisCluster() {}

    public static RedisCluster start(int masters, Path workDir) throws IOException {
        Files.createDirectories(workDir);
        RedisCluster cluster = new RedisCluster();
        try {
            for (int i = 0; i < masters; i++) {
                int port = BackingServices.freePort();
                RedisServer server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("cluster-enabled yes")
                        .setting("cluster-config-file "
                                + workDir.toAbsolutePath().resolve("nodes-" + port + ".conf"))
                        .setting("cluster-node-timeout 5000")
                        .build();
                server.start();
                cluster.servers.add(server);
                cluster.ports.add(port);
            }
            for (int i = 0; i < masters; i++) {
                int from = SLOTS * i / masters;
                int to = SLOTS * (i + 1) / masters;
                List<String> addSlots = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                for (int slot = from; slot < to; slot++) {
                    addSlots.add(Integer.toString(slot));
                }
                expectOk(command(cluster.ports.get(i), addSlots.toArray(String[]::new)));
            }
            for (int i = 1; i < masters; i++) {
                expectOk(command(
                        cluster.ports.get(0),
                        "CLUSTER",
                        "MEET",
                        "127.0.0.1",
                        cluster.ports.get(i).toString()));
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!cluster.ready()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Redis Cluster did not reach cluster_state:ok within 30 s");
                }
                Thread.sleep(100);
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cluster.close();
            throw new IOException("interrupted while forming the cluster", e);
        }
    }

    /** Every node agrees that all slots are served. */
    private boolean ready() throws IOException {
        for (int port : ports) {
            if (!command(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
                return false;
            }
        }
        return true;
    }

    /** {@code redis://127.0.0.1:<port>} of every master. */
    public List<String> uris() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    @Override
    public void close() {
        for (RedisServer server : servers) {
            try {
                server.stop();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static void expectOk(String reply) throws IOException {
        if (!"OK".equals(reply)) {
            throw new IOException("Redis answered " + reply);
        }
    }

    private static String command(int port, String... args) throws IOException {
        return RedisNode.command("127.0.0.1", port, 5000, args);
    }
}
