package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Docker cannot run on the CI machines, so docker-compose.yml is validated statically: it parses, every image is
 * pinned to an exact version in .env, every service has a healthcheck, every dependency waits for
 * service_healthy, and every published port equals the local stack's (infra/stack.env), so the README's curls work
 * in both modes.
 */
class ComposeFileTest {

    private static final Path ROOT = Repo.ROOT;
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Z0-9_]+)}");

    private static Map<String, Object> services;
    private static Map<String, String> dotEnv;
    private static Map<String, String> stackEnv;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        services = (Map<String, Object>) compose.get("services");
        dotEnv = env(ROOT.resolve(".env"), Pattern.compile("^([A-Z0-9_]+)=(.*)$"));
        // infra/stack.env: NAME=${NAME:-default}
        stackEnv = env(ROOT.resolve("infra/stack.env"), Pattern.compile("^([A-Z0-9_]+)=\\$\\{[A-Z0-9_]+:-(.*)}$"));
    }

    private static Map<String, String> env(Path file, Pattern line) throws Exception {
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : Files.readAllLines(file)) {
            Matcher x = line.matcher(l.trim());
            if (x.matches()) {
                m.put(x.group(1), x.group(2));
            }
        }
        return m;
    }

    /** infra/processes: {name, kind, region, port variable, roles} per declared process. */
    static List<String[]> processes() throws Exception {
        List<String[]> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(ROOT.resolve("infra/processes"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\|");
            for (int i = 0; i < f.length; i++) {
                f[i] = f[i].trim();
            }
            out.add(f);
        }
        return out;
    }

    private static String resolve(String s) {
        Matcher m = VAR.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = dotEnv.get(m.group(1));
            assertNotNull(v, "${" + m.group(1) + "} is not defined in .env");
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        return m.appendTail(sb).toString();
    }

    private static void assertPinned(String image, String where) {
        assertTrue(
                image.matches("[a-z0-9./_-]+(:[A-Za-z0-9._-]+)(@sha256:[a-f0-9]{64})?"),
                where + ": not name:tag: " + image);
        String tag = image.substring(image.lastIndexOf(':') + 1);
        assertFalse(tag.equals("latest") || !tag.matches(".*\\d.*"), where + ": tag is not an exact version: " + image);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyImageIsPinnedExactly() throws Exception {
        assertEquals(22, services.size(), "all services present: " + services.keySet());
        for (var e : services.entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) e.getValue();
            if (svc.containsKey("build")) {
                Map<String, Object> build = (Map<String, Object>) svc.get("build");
                Map<String, Object> args = (Map<String, Object>) build.get("args");
                for (Object arg : args.values()) {
                    assertPinned(resolve(arg.toString()), e.getKey() + " build arg");
                }
                assertNotNull(build.get("target"), e.getKey() + " has a Dockerfile target");
            } else {
                assertPinned(resolve(svc.get("image").toString()), e.getKey());
            }
        }
        java.util.Set<String> stages = new java.util.HashSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
            if (line.startsWith("FROM ")) {
                String[] parts = line.split("\\s+");
                String from = parts[1];
                if (from.startsWith("${")) {
                    assertPinned(resolve(from), "Dockerfile " + line);
                } else {
                    assertTrue(
                            stages.contains(from),
                            "Dockerfile FROM is a pinned build arg or an earlier stage: " + line);
                }
                if (parts.length >= 4 && parts[2].equalsIgnoreCase("AS")) {
                    stages.add(parts[3]);
                }
            }
        }
    }

    /** Found by review: these broke `up` on a clean machine or a second `up` after `down`. */
    @Test
    @SuppressWarnings("unchecked")
    void eachAppImageIsBuiltOnceAndStateAndVersionsAreConsistent() throws Exception {
        Map<String, String> builderOf = new LinkedHashMap<>();
        for (var e : services.entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) e.getValue();
            if (svc.containsKey("build")) {
                String image = String.valueOf(svc.get("image"));
                assertEquals(null, builderOf.put(image, e.getKey()), image + " is built by one service only");
            }
        }
        for (var e : services.entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) e.getValue();
            String image = String.valueOf(svc.get("image"));
            if (image.startsWith("cdc-cache-invalidation/") && !svc.containsKey("build")) {
                assertTrue(builderOf.containsKey(image), e.getKey() + ": some service builds " + image);
                assertEquals("never", svc.get("pull_policy"), e.getKey() + " runs the built image, never pulls it");
            }
        }

        for (String relay : List.of("cdc-relay", "cdc-relay-standby")) {
            Map<String, Object> env =
                    (Map<String, Object>) ((Map<String, Object>) services.get(relay)).get("environment");
            assertEquals("${PG_DATABASE}", env.get("CDC_RELAY_DB_NAME"), relay);
            assertEquals("${PG_USER}", env.get("CDC_RELAY_DB_USER"), relay);
            assertEquals("${PG_PASSWORD}", env.get("CDC_RELAY_DB_PASSWORD"), relay);
            assertEquals(List.of("relay-data:/data"), ((Map<String, Object>) services.get(relay)).get("volumes"));
        }
        List<Object> pgVolumes = (List<Object>) ((Map<String, Object>) services.get("postgres")).get("volumes");
        assertTrue(
                pgVolumes != null && pgVolumes.get(0).toString().startsWith("pg-data:"),
                "the database lives as long as the relay's offsets");

        Matcher kafkaVersion =
                Pattern.compile("<kafka.version>(\\d+\\.\\d+)\\.").matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(kafkaVersion.find());
        assertTrue(
                dotEnv.get("KAFKA_IMAGE").startsWith("apache/kafka:" + kafkaVersion.group(1) + "."),
                "the compose broker's major.minor equals the clients' " + kafkaVersion.group(1));

        for (String observer : List.of("prometheus", "grafana")) {
            Object deps = ((Map<String, Object>) services.get(observer)).get("depends_on");
            if (deps != null) {
                for (String d : ((Map<String, Object>) deps).keySet()) {
                    assertTrue(List.of("prometheus").contains(d), observer + " must not wait for the application " + d);
                }
            }
        }
    }

    /** A setup step that runs once and exits (restart: "no"), such as adding the WAN link's latency toxics. */
    @SuppressWarnings("unchecked")
    private boolean oneShot(String service) {
        return "no".equals(String.valueOf(((Map<String, Object>) services.get(service)).get("restart")));
    }

    /**
     * The relay is the schema's one migrator (the services only validate it): every reader, writer and invalidator
     * must start after it, in compose and in the local stack's start waves, and only the relay's module migrates.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theRelayMigratesTheSchemaBeforeAnyServiceStarts() throws Exception {
        for (String[] p : processes()) {
            if (!"app".equals(p[1]) || !p[4].matches(".*(reader|writer|invalidator).*")) {
                continue;
            }
            Map<String, Object> deps =
                    (Map<String, Object>) ((Map<String, Object>) services.get(p[0])).get("depends_on");
            assertTrue(deps != null && deps.containsKey("cdc-relay"), p[0] + " must wait for cdc-relay in compose");
        }
        String stack = Files.readString(ROOT.resolve("infra/stack.sh"));
        Matcher waves = Pattern.compile("local -a waves=\\(([^)]*)\\)").matcher(stack);
        assertTrue(waves.find(), "stack.sh declares its start waves");
        List<String> order = Pattern.compile("\"([^\"]*)\"")
                .matcher(waves.group(1))
                .results()
                .map(m -> m.group(1))
                .toList();
        int relayWave = waveOf(order, "cdc-relay");
        assertTrue(relayWave >= 0, "cdc-relay has a start wave: " + order);
        // The applications validate the schema at start: the relay's wave is left once its migrations are done.
        String gate = order.get(relayWave).split("\\|", 2)[1];
        assertTrue(
                List.of(gate.trim().split(" ")).stream().anyMatch(g -> g.matches("cdc-relay(@serving)?")),
                "the wave after cdc-relay's waits for it to serve: " + order);
        for (String[] p : processes()) {
            if ("app".equals(p[1]) && !p[0].startsWith("cdc-relay") && !"console".equals(p[0])) {
                assertTrue(waveOf(order, p[0]) > relayWave, p[0] + " starts in a wave after cdc-relay's: " + order);
            }
        }
        for (String module : List.of("catalog-service", "pricing-service")) {
            String props = Files.readString(ROOT.resolve(module + "/src/main/resources/application.properties"));
            assertTrue(props.contains("\nquarkus.flyway.migrate-at-start=false\n"), module + " does not migrate");
            assertTrue(props.contains("quarkus.hibernate-orm.schema-management.strategy=validate"), module);
        }
        String relay =
                Files.readString(ROOT.resolve("invalidation-consumer/src/main/resources/application.properties"));
        assertTrue(relay.contains("\nquarkus.flyway.migrate-at-start=${cdc.relay.enabled}\n"), "only a relay migrates");
    }

    /** The index of the start wave that launches {@code name} ("launched | gate"), -1 when none does. */
    private static int waveOf(List<String> waves, String name) {
        for (int i = 0; i < waves.size(); i++) {
            if (List.of(waves.get(i).split("\\|")[0].trim().split(" ")).contains(name)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceHasAHealthcheckAndWaitsForHealthyDependencies() {
        for (var e : services.entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) e.getValue();
            Object deps = svc.get("depends_on");
            if (deps != null) {
                for (var d : ((Map<String, Object>) deps).entrySet()) {
                    assertTrue(services.containsKey(d.getKey()), e.getKey() + " depends on unknown " + d.getKey());
                    assertEquals(
                            oneShot(d.getKey()) ? "service_completed_successfully" : "service_healthy",
                            ((Map<String, Object>) d.getValue()).get("condition"),
                            e.getKey() + " → " + d.getKey());
                }
            }
            if (oneShot(e.getKey())) {
                assertNull(svc.get("ports"), e.getKey() + ": a one-shot setup step publishes nothing");
                continue;
            }
            Map<String, Object> hc = (Map<String, Object>) svc.get("healthcheck");
            assertNotNull(hc, e.getKey() + " has a healthcheck");
            assertTrue(hc.get("test") instanceof List<?> l && !l.isEmpty(), e.getKey() + " healthcheck test");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void publishedPortsEqualTheLocalStacks() throws Exception {
        // infra/processes, the one declaration of the stack's processes: name → port variable. The fault proxy is
        // toxiproxy in compose.
        Map<String, String> portVarOf = new LinkedHashMap<>();
        processes().forEach(p -> portVarOf.put(p[0].equals("redis-us-proxy") ? "toxiproxy" : p[0], p[3]));
        for (var e : portVarOf.entrySet()) {
            Map<String, Object> svc = (Map<String, Object>) services.get(e.getKey());
            assertNotNull(svc, "compose has " + e.getKey());
            List<Object> ports = (List<Object>) svc.get("ports");
            String[] published = resolve(ports.get(0).toString()).split(":");
            assertEquals(stackEnv.get(e.getValue()), published[1], e.getKey() + " publishes the local stack's port");
        }
        for (var e : services.entrySet()) {
            String image = String.valueOf(((Map<String, Object>) e.getValue()).get("image"));
            if (image.startsWith("cdc-cache-invalidation/")) {
                assertTrue(portVarOf.containsKey(e.getKey()), e.getKey() + " is declared in infra/processes");
            }
        }
        for (String k : List.of(
                "PG_DATABASE", "PG_USER", "PG_PASSWORD", "KAFKA_CONTROLLER_PORT", "WAN_LATENCY_MS", "REGION_GATE")) {
            assertEquals(stackEnv.get(k), dotEnv.get(k), k + " equal in .env and infra/stack.env");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPortIsPublishedOnLoopbackOnlyAndNoAdminTokenIsCommitted() throws Exception {
        for (var e : services.entrySet()) {
            Object ports = ((Map<String, Object>) e.getValue()).get("ports");
            if (ports != null) {
                for (Object p : (List<Object>) ports) {
                    assertTrue(
                            p.toString().startsWith("127.0.0.1:"), e.getKey() + " publishes " + p + " beyond loopback");
                }
            }
        }
        assertFalse(
                dotEnv.containsKey("ADMIN_TOKEN"), ".env must not ship an admin token: chaos is off unless enabled");
        assertFalse(
                Files.readString(ROOT.resolve("infra/stack.env")).contains("ADMIN_TOKEN=$"),
                "infra/stack.env must not ship an admin token");
    }

    @Test
    void prometheusScrapesEveryAppAndTheDashboardParses() throws Exception {
        String prom = Files.readString(ROOT.resolve("infra/prometheus/prometheus.yml"));
        for (String[] process : processes()) {
            if (!process[1].equals("app")) {
                continue;
            }
            String app = process[0];
            String port = stackEnv.get(process[3]);
            assertTrue(prom.contains("\"" + app + ":" + port + "\""), "prometheus scrapes " + app + " on " + port);
        }
        JsonNode dash = new ObjectMapper()
                .readTree(ROOT.resolve("infra/grafana/dashboards/cdc-cache-invalidation.json")
                        .toFile());
        assertTrue(dash.get("panels").size() >= 10);
        for (JsonNode p : dash.get("panels")) {
            assertFalse(
                    p.path("targets").path(0).path("expr").asText().isBlank(),
                    p.path("title").asText());
        }
    }
}
