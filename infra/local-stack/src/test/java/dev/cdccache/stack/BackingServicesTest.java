package dev.cdccache.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The contract both test-service backends meet; each test names the backend it runs on. */
class BackingServicesTest {

    /** The backend this JVM's tests use (auto: containers where Docker answers, processes here). */
    @Test
    void theSharedBackendStartsRealPostgresRedisPerRegionAndKafkaOnce() throws Exception {
        Map<String, String> p = StackControl.properties();
        assertEquals(ContainerServices.dockerAvailable() ? "containers" : "process", p.get("stack.backend"));
        servesTheContract(p);
        for (String region : BackingServices.REGIONS) {
            assertTrue(StackControl.redisRunning(region), "redis " + region);
        }
        assertEquals(p, StackControl.properties(), "same instance on a second call: started once per JVM");
    }

    @Test
    void theSharedBackendsRedisCanBeStoppedAndRestartedOnTheSameAddress() {
        StackControl.stopRedis("eu");
        assertFalse(StackControl.redisRunning("eu"));
        StackControl.startRedis("eu");
        await().atMost(10, TimeUnit.SECONDS).until(() -> StackControl.redisRunning("eu"));
        assertTrue(StackControl.redisRunning("us"));
    }

    @Test
    void theProcessBackendServesTheContract() throws Exception {
        if ("process".equals(StackControl.properties().get("stack.backend"))) {
            return; // the shared instance above is this backend
        }
        try (TestServices services = new ProcessServices(java.nio.file.Files.createTempDirectory("process-backend"))) {
            services.start();
            servesTheContract(services.properties());
            restartsRedis(services);
        }
    }

    @Test
    void theContainerBackendServesTheContract() throws Exception {
        assumeTrue(ContainerServices.dockerAvailable(), "no Docker engine: the Testcontainers backend cannot run here");
        if ("containers".equals(StackControl.properties().get("stack.backend"))) {
            return; // the shared instance above is this backend
        }
        try (TestServices services = new ContainerServices()) {
            services.start();
            servesTheContract(services.properties());
            restartsRedis(services);
        }
    }

    private static void servesTheContract(Map<String, String> p) throws Exception {
        try (Connection c = DriverManager.getConnection(
                        p.get("stack.pg.jdbc-url"), p.get("stack.pg.user"), p.get("stack.pg.password"));
                Statement st = c.createStatement()) {
            assertEquals("logical", single(st, "SHOW wal_level"));
            assertEquals("on", single(st, "SHOW synchronous_commit"));
            assertEquals("2GB", single(st, "SHOW max_slot_wal_keep_size"), "a stuck slot cannot fill the disk");
            assertEquals(
                    "t",
                    single(st, "SELECT rolreplication::text FROM pg_roles WHERE rolname = current_user")
                            .substring(0, 1));
            assertTrue(single(st, "SHOW server_version").startsWith("17"));
        }
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.get("stack.kafka.bootstrap")))) {
            assertEquals(
                    1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
        }
        for (String region : BackingServices.REGIONS) {
            assertTrue(p.get("stack.redis." + region).startsWith("redis://"), region);
        }
    }

    private static void restartsRedis(TestServices services) throws Exception {
        for (String region : BackingServices.REGIONS) {
            assertTrue(services.redisRunning(region), "redis " + region);
        }
        services.stopRedis("eu");
        assertFalse(services.redisRunning("eu"));
        services.startRedis("eu");
        await().atMost(30, TimeUnit.SECONDS).until(() -> services.redisRunning("eu"));
    }

    private static String single(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
