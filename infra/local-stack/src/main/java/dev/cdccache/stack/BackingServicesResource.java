package dev.cdccache.stack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Real PostgreSQL, Redis (us, eu) and Kafka for {@code @QuarkusTest}s, started once per test JVM. No Docker needed.
 * Each application maps the generic {@code stack.*} properties onto its own configuration in its {@code %test} profile.
 */
public class BackingServicesResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> stack = BackingServices.startShared();
        Map<String, String> config = new LinkedHashMap<>(stack);
        config.put("quarkus.datasource.jdbc.url", stack.get("stack.pg.jdbc-url"));
        config.put("quarkus.datasource.username", stack.get("stack.pg.user"));
        config.put("quarkus.datasource.password", stack.get("stack.pg.password"));
        // Services read their region's copy through this datasource; the tests' services run in the primary's region.
        config.put("quarkus.datasource.replica.jdbc.url", stack.get("stack.pg.jdbc-url"));
        config.put("quarkus.datasource.replica.username", stack.get("stack.pg.user"));
        config.put("quarkus.datasource.replica.password", stack.get("stack.pg.password"));
        config.put("kafka.bootstrap.servers", stack.get("stack.kafka.bootstrap"));
        return config;
    }

    @Override
    public void stop() {
        // Shared by every test class in this JVM; a shutdown hook stops the processes when the JVM exits.
    }
}
