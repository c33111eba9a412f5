package dev.cdccache.console.service;

import dev.cdccache.console.config.ConsoleConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The faults the console can switch safely: the services' own chaos switch (drop write-path DELs, drop L1
 * broadcasts; {@code PUT /admin/chaos} with the stack's admin token) and eu's replica apply delay. It switches
 * everything off again when it stops, so a closed console leaves no fault behind.
 */
@ApplicationScoped
public class Faults {

    private static final Logger LOG = Logger.getLogger(Faults.class);

    public record State(
            boolean dropDels,
            boolean dropL1,
            boolean replicaLag,
            long replicaLagMs,
            boolean stopRedisEu,
            boolean pauseEuInvalidation) {
        boolean any() {
            return dropDels || dropL1 || replicaLag || stopRedisEu || pauseEuInvalidation;
        }
    }

    /** What can be switched here, and why not when not. */
    public record Availability(
            boolean chaosSwitch,
            String chaosSwitchWhy,
            boolean replica,
            String replicaWhy,
            boolean processes,
            String processesWhy) {}

    private final ConsoleConfig config;
    private final Topology topology;
    private final HttpClient http;
    private volatile State state;

    public Faults(ConsoleConfig config, Topology topology) {
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.config = config;
        this.topology = topology;
        this.state = new State(false, false, false, config.replica().lag().toMillis(), false, false);
    }

    public State state() {
        return state;
    }

    public Availability availability() {
        Optional<String> token = token();
        return new Availability(
                token.isPresent(),
                token.isPresent() ? null : "no admin token: the stack runs without its chaos switch (CHAOS=0)",
                config.replica().jdbcUrl().isPresent(),
                config.replica().jdbcUrl().isPresent() ? null : "no replica configured",
                processes(token),
                processes(token) ? null : "local stack only, with its chaos switch on (make up, not CHAOS=0)");
    }

    /** Stopping and pausing processes: only on the local stack, and only where its chaos switch is on. */
    private boolean processes(Optional<String> token) {
        return token.isPresent() && config.stackScript().isPresent();
    }

    /** Applies the wanted state; returns what is now in force. Throws with the reason when a switch fails. */
    public synchronized State apply(
            boolean dropDels, boolean dropL1, boolean replicaLag, boolean stopRedisEu, boolean pauseEuInvalidation)
            throws Exception {
        if ((stopRedisEu != state.stopRedisEu || pauseEuInvalidation != state.pauseEuInvalidation)
                && !availability().processes()) {
            throw new IllegalStateException(availability().processesWhy());
        }
        if (dropDels != state.dropDels || dropL1 != state.dropL1) {
            chaos(dropDels ? 1 : 0, dropL1 ? 1 : 0);
        }
        if (replicaLag != state.replicaLag) {
            replicaDelay(replicaLag ? config.replica().lag().toMillis() : 0);
        }
        if (pauseEuInvalidation != state.pauseEuInvalidation) {
            for (Topology.Invalidator inv : topology.invalidators()) {
                if (inv.regions().contains("eu")) {
                    String pid = stack("pid", inv.name()).trim();
                    run(List.of("kill", pauseEuInvalidation ? "-STOP" : "-CONT", pid));
                }
            }
        }
        if (stopRedisEu != state.stopRedisEu) {
            if (stopRedisEu) {
                stack("stop", "redis-eu");
            } else {
                stack("up"); // starts what was stopped, and waits until it is ready
            }
        }
        state = new State(
                dropDels, dropL1, replicaLag, config.replica().lag().toMillis(), stopRedisEu, pauseEuInvalidation);
        return state;
    }

    private void chaos(double dropDel, double dropL1) throws Exception {
        String token = token().orElseThrow(
                        () -> new IllegalStateException(availability().chaosSwitchWhy()));
        List<String> targets = new ArrayList<>();
        topology.readers().forEach(r -> targets.add(r.url()));
        topology.invalidators().forEach(i -> targets.add(i.url()));
        for (String url : targets) {
            HttpResponse<String> res = http.send(
                    HttpRequest.newBuilder(URI.create(url + "/admin/chaos"))
                            .timeout(Duration.ofSeconds(3))
                            .header("X-Admin-Token", token)
                            .header("Content-Type", "application/json")
                            .PUT(HttpRequest.BodyPublishers.ofString(
                                    "{\"dropDelRate\": " + dropDel + ", \"dropL1BroadcastRate\": " + dropL1 + "}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) {
                throw new IllegalStateException("chaos switch of " + url + " answered " + res.statusCode());
            }
        }
    }

    private void replicaDelay(long ms) throws Exception {
        ConsoleConfig.Replica r = config.replica();
        String url = r.jdbcUrl().orElseThrow(() -> new IllegalStateException("no replica configured"));
        try (Connection c = DriverManager.getConnection(url, r.user(), r.password());
                Statement st = c.createStatement()) {
            st.execute(
                    ms <= 0
                            ? "ALTER SYSTEM RESET recovery_min_apply_delay"
                            : "ALTER SYSTEM SET recovery_min_apply_delay = '" + ms + "ms'");
            st.execute("SELECT pg_reload_conf()");
        }
    }

    private String stack(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.stackScript().orElseThrow());
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private String run(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        config.stackDir().ifPresent(dir -> pb.environment().put("STACK_DIR", dir));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: "
                    + out.lines().reduce((a, b) -> b).orElse(""));
        }
        return out;
    }

    private Optional<String> token() {
        if (config.adminToken().filter(t -> !t.isBlank()).isPresent()) {
            return config.adminToken();
        }
        return config.adminTokenFile().map(Path::of).filter(Files::isReadable).map(p -> {
            try {
                return Files.readString(p).trim();
            } catch (Exception e) {
                return null;
            }
        });
    }

    void offAtStop(@Observes ShutdownEvent ev) {
        if (state.any()) {
            try {
                apply(false, false, false, false, false);
            } catch (Exception e) {
                LOG.warnf("could not switch the console's faults off at stop: %s", e.getMessage());
            }
        }
    }
}
