package dev.cdccache.stack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackingServicesTest {

    @Test
    void startsRealPostgresConfiguredForLogicalDecodingRedisPerRegionAndKafka() throws Exception {
        Map<String, String> p = StackControl.properties();

        try (Connection c = DriverManager.getConnection(p.get("stack.pg.jdbc-url"), p.get("stack.pg.user"), p.get("stack.pg.password"));
             Statement st = c.createStatement()) {
            assertEquals("logical", single(st, "SHOW wal_level"));
            assertEquals("on", single(st, "SHOW synchronous_commit"));
            assertEquals("2GB", single(st, "SHOW max_slot_wal_keep_size"), "a stuck slot cannot fill the disk");
            assertEquals("t", single(st, "SELECT rolreplication::text FROM pg_roles WHERE rolname = current_user").substring(0, 1));
            assertTrue(single(st, "SHOW server_version").startsWith("17"));
        }

        for (String region : BackingServices.REGIONS) {
            assertTrue(StackControl.redisRunning(region), "redis " + region);
        }

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, p.get("stack.kafka.bootstrap")))) {
            assertEquals(1, admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size());
        }

        // Same instance on a second call: started once per JVM.
        assertEquals(p, StackControl.properties());
    }

    @Test
    void redisCanBeStoppedAndRestartedOnTheSamePort() {
        StackControl.stopRedis("eu");
        assertFalse(StackControl.redisRunning("eu"));
        StackControl.startRedis("eu");
        await().atMost(10, TimeUnit.SECONDS).until(() -> StackControl.redisRunning("eu"));
        assertTrue(StackControl.redisRunning("us"));
    }

    private static String single(Statement st, String sql) throws Exception {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
