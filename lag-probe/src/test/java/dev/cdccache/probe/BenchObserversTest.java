package dev.cdccache.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.RedisNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The benchmarks' observers against a real redis-server: they must see every deletion and nothing else. */
class BenchObserversTest {

    private static RedisNode redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    private static RedisCommands<String, String> sync;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = new RedisNode("us", port).start();
        client = RedisClient.create(redis.uri());
        connection = client.connect();
        sync = connection.sync();
    }

    @AfterAll
    static void stop() throws Exception {
        connection.close();
        client.shutdown();
        redis.close();
    }

    @BeforeEach
    void clean() {
        sync.flushall();
        sync.configSet("notify-keyspace-events", "");
    }

    @Test
    void deletionEventsCompleteTheKeysDeletedAndOnlyThoseAndTheSettingIsRestored() throws Exception {
        sync.mset(java.util.Map.of("price:1", "a", "price:2", "b", "marker", "m"));
        try (CdcLagBench.DelEvents events = new CdcLagBench.DelEvents(client, sync)) {
            assertEquals(
                    "Eg",
                    sync.configGet("notify-keyspace-events")
                            .get("notify-keyspace-events")
                            .chars()
                            .sorted()
                            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                            .toString());
            CompletableFuture<Long> deleted = events.expect("price:1");
            CompletableFuture<Long> kept = events.expect("price:2");
            CompletableFuture<Long> marker = events.expect("marker");
            long before = System.nanoTime();
            sync.del("price:1");
            sync.unlink("marker"); // UNLINK publishes the same event as DEL
            assertTrue(deleted.get(5, TimeUnit.SECONDS) >= before);
            marker.get(5, TimeUnit.SECONDS);
            // The marker's event came after any event for price:2 could have: none did.
            assertFalse(kept.isDone());
        }
        assertEquals("", sync.configGet("notify-keyspace-events").get("notify-keyspace-events"));
    }

    @Test
    void keysLeftSeesTheLastKeyAndCountsWhatIsLeft() {
        String[] keys = new String[250];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "price:" + (i + 1);
            sync.set(keys[i], "bench");
        }
        CdcBulkBench.KeysLeft left = new CdcBulkBench.KeysLeft(connection, keys);
        assertTrue(left.any());
        assertEquals(250, left.count());
        sync.del(java.util.Arrays.copyOfRange(keys, 50, 250)); // the chunks it asks first are gone
        assertTrue(left.any(), "the first 50 keys are still there");
        assertEquals(50, left.count());
        sync.del("price:1", "price:2");
        sync.del(java.util.Arrays.copyOfRange(keys, 2, 49));
        assertTrue(left.any(), "one key left: " + keys[49]);
        assertEquals(1, left.count());
        sync.del(keys[49]);
        assertFalse(left.any());
        assertEquals(0, left.count());
    }
}
