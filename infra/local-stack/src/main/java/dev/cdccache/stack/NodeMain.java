package dev.cdccache.stack;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one backing node of the local stack in the foreground until SIGTERM: {@code postgres}, {@code replica} (eu's
 * hot standby), {@code wan} (the eu→us link), {@code redis <region>},
 * {@code kafka} or {@code proxy} (a TCP fault proxy). Settings come from the environment that {@code infra/stack.env} defines (the scripts export it).
 * The same node classes back the tests, so the demo and the tests run the same PostgreSQL, Redis and Kafka setup.
 */
public final class NodeMain {

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: NodeMain postgres | replica | wan | redis <us|eu> | kafka | proxy");
            System.exit(2);
        }
        Path data = Paths.get(env("STACK_DATA_DIR", ".stack/data")).toAbsolutePath();
        AutoCloseable node;
        String what;
        switch (args[0]) {
            case "postgres" -> {
                int port = Integer.parseInt(env("PG_PORT", "15432"));
                node = new PostgresNode(
                                port,
                                data.resolve("postgres"),
                                data.resolve("pg-bin"),
                                env("PG_DATABASE", "cdccache"),
                                env("PG_USER", "cdccache"),
                                env("PG_PASSWORD", "cdccache"))
                        .start();
                what = "postgres on 127.0.0.1:" + port;
            }
            case "replica" -> {
                int port = Integer.parseInt(env("PG_EU_PORT", "15433"));
                node = new PostgresReplicaNode(
                                port,
                                data.resolve("postgres-eu"),
                                data.resolve("pg-bin-eu"),
                                data.resolve("postgres"),
                                Integer.parseInt(env("PG_PORT", "15432")),
                                Integer.parseInt(env("WAN_EU_PORT", "15442")),
                                env("PG_USER", "cdccache"),
                                env("PG_PASSWORD", "cdccache"),
                                "eu_replica")
                        .start();
                what = "postgres replica (eu) on 127.0.0.1:" + port;
            }
            case "wan" -> {
                int listen = Integer.parseInt(env("WAN_EU_PORT", "15442"));
                int target = Integer.parseInt(env("PG_PORT", "15432"));
                int controlPort = Integer.parseInt(env("WAN_EU_CONTROL_PORT", "15443"));
                long latency = Long.parseLong(env("WAN_LATENCY_MS", "25"));
                node = new WanLink(listen, target, controlPort, latency).start();
                what = "WAN link eu→us 127.0.0.1:" + listen + " -> " + target + ", " + latency
                        + " ms each way (control http://127.0.0.1:" + controlPort + ")";
            }
            case "redis" -> {
                String region = args.length > 1 ? args[1] : "us";
                int port = Integer.parseInt(
                        env("REDIS_" + region.toUpperCase() + "_PORT", "us".equals(region) ? "16379" : "16380"));
                node = new RedisNode(region, port).start();
                what = "redis " + region + " on 127.0.0.1:" + port;
            }
            case "kafka" -> {
                int port = Integer.parseInt(env("KAFKA_PORT", "19092"));
                int controller = Integer.parseInt(env("KAFKA_CONTROLLER_PORT", "19093"));
                node = new KafkaNode(
                                port,
                                controller,
                                data.resolve("kafka"),
                                KafkaNode.locateLibs(),
                                data.resolve("kafka-broker.log"))
                        .start();
                what = "kafka on 127.0.0.1:" + port;
            }
            case "proxy" -> {
                int listen = Integer.parseInt(env("PROXY_LISTEN_PORT", "16389"));
                int target = Integer.parseInt(env("PROXY_TARGET_PORT", "16379"));
                int controlPort = Integer.parseInt(env("PROXY_CONTROL_PORT", "16390"));
                node = new FaultProxy(listen, target, controlPort).start();
                what = "fault proxy 127.0.0.1:" + listen + " -> " + target + " (control http://127.0.0.1:" + controlPort
                        + ")";
            }
            default -> {
                System.err.println("unknown node " + args[0]);
                System.exit(2);
                return;
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        AutoCloseable running = node;
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                running.close();
                            } catch (Exception e) {
                                System.err.println("stopping " + what + " failed: " + e);
                            }
                            stopped.countDown();
                        },
                        "node-stop"));
        recordChildren(data);
        System.out.println("READY " + what);
        System.out.flush();
        stopped.await();
    }

    /**
     * Writes the pids of the processes this node started (redis-server, the broker JVM, the postmaster, which
     * pg_ctl detaches) next to the stack's pid files, so `make down` can stop them even if this JVM died hard.
     */
    private static void recordChildren(Path data) throws java.io.IOException {
        String runDir = System.getenv("STACK_RUN_DIR");
        String name = System.getenv("STACK_NODE_NAME");
        if (runDir == null || name == null) {
            return;
        }
        java.util.List<String> pids = new java.util.ArrayList<>();
        ProcessHandle.current().descendants().forEach(p -> pids.add(Long.toString(p.pid())));
        Path postmaster = data.resolve(name).resolve("postmaster.pid");
        if (name.startsWith("postgres") && java.nio.file.Files.exists(postmaster)) {
            pids.add(java.nio.file.Files.readAllLines(postmaster).get(0).trim());
        }
        java.nio.file.Files.write(Paths.get(runDir).resolve(name + ".children"), pids);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
