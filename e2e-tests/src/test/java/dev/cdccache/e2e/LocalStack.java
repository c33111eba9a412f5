package dev.cdccache.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Drives infra/stack.sh on ports 2xxxx (so a developer's own stack on 1xxxx can keep running). */
final class LocalStack {

    static final Map<String, String> PORTS = new LinkedHashMap<>();

    static {
        PORTS.put("PG_PORT", "25432");
        PORTS.put("PG_EU_PORT", "25433");
        PORTS.put("WAN_EU_PORT", "25442");
        PORTS.put("WAN_EU_CONTROL_PORT", "25443");
        PORTS.put("KAFKA_PORT", "29092");
        PORTS.put("KAFKA_CONTROLLER_PORT", "29093");
        PORTS.put("REDIS_US_PORT", "26379");
        PORTS.put("REDIS_EU_PORT", "26380");
        PORTS.put("REDIS_US_PROXY_PORT", "26389");
        PORTS.put("REDIS_US_PROXY_CONTROL_PORT", "26390");
        PORTS.put("CATALOG_US_1_PORT", "28081");
        PORTS.put("CATALOG_US_2_PORT", "28083");
        PORTS.put("PRICING_US_PORT", "28082");
        PORTS.put("CATALOG_EU_PORT", "28181");
        PORTS.put("PRICING_EU_PORT", "28182");
        PORTS.put("CDC_RELAY_PORT", "28090");
        PORTS.put("INVALIDATOR_US_PORT", "28091");
        PORTS.put("INVALIDATOR_EU_PORT", "28191");
        PORTS.put("CDC_RELAY_STANDBY_PORT", "28093");
        PORTS.put("INVALIDATOR_2_PORT", "28092");
        PORTS.put("CONSOLE_PORT", "28080");
        // Not a port: every cache hit is sampled for correctness, so the chaos tests see the sampler's verdict.
        PORTS.put("CONSISTENCY_SAMPLE_RATE", "1");
        // Not a port: C1 only, whatever the developer's shell exports (the stack's default is tiered). The suite
        // starts a fresh stack, with no start-up cache yet, and a JVM with C2 but without one, on two cores shared
        // with the build, is the start that once took a restarted relay past the kill-relay recovery bound. The
        // default JIT's bounds are checked by `make nemesis` (docs/measurements.md, session 13).
        PORTS.put("APP_JIT", "c1");
        // Not a port: the suite's first start records the start-up caches and drives the hot paths for them only
        // briefly (infra/warm.sh smoke), which also checks that this step of `make up` works.
        PORTS.put("TRAIN", "smoke");
    }

    final Path root = Repo.ROOT;
    final Path stackDir = Paths.get("target/stack-it").toAbsolutePath();
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Result(int exit, String output) {}

    Result run(String... args) throws IOException, InterruptedException {
        return script("infra/stack.sh", Map.of(), args);
    }

    /** Runs a script of the repository against this stack (its ports, its directory). */
    Result script(String path, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve(path).toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().putAll(PORTS);
        pb.environment().put("STACK_DIR", stackDir.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("stack.sh " + String.join(" ", args) + " timed out:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    int port(String name) {
        return Integer.parseInt(PORTS.get(name));
    }

    HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, int port, String path, String json)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + PORTS.get("PG_PORT") + "/cdccache";
    }

    String replicaJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + PORTS.get("PG_EU_PORT") + "/cdccache";
    }

    /** One statement on eu's replica as its superuser (the local stack's PostgreSQL trusts it on 127.0.0.1). */
    String onReplica(String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(replicaJdbcUrl(), "postgres", "postgres");
                java.sql.Statement st = c.createStatement()) {
            if (st.execute(sql)) {
                try (java.sql.ResultSet rs = st.getResultSet()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
            return null;
        }
    }

    /** A command to a region's Redis (RESP over a socket: the e2e tests need two commands, not a client). */
    String redis(String region, String... command) throws IOException {
        int port = port("REDIS_" + region.toUpperCase(java.util.Locale.ROOT) + "_PORT");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            StringBuilder req = new StringBuilder("*" + command.length + "\r\n");
            for (String part : command) {
                req.append('$')
                        .append(part.getBytes(StandardCharsets.UTF_8).length)
                        .append("\r\n")
                        .append(part)
                        .append("\r\n");
            }
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line.startsWith("$")) {
                return Integer.parseInt(line.substring(1)) < 0 ? null : in.readLine();
            }
            return line.substring(1);
        }
    }

    /** Every pid the stack recorded: its own processes and the ones its nodes started. */
    List<Long> recordedPids() throws IOException {
        List<Long> pids = new ArrayList<>();
        Path run = stackDir.resolve("run");
        if (!Files.isDirectory(run)) {
            return pids;
        }
        try (var files = Files.list(run)) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (!line.isBlank()) {
                        pids.add(Long.parseLong(line.trim()));
                    }
                }
            }
        }
        return pids;
    }
}
