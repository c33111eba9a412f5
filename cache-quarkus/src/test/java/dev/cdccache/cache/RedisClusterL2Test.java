package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.stack.RedisCluster;
import dev.cdccache.support.redis.VertxRedisPort;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The L2 lease protocol on a 3-master Redis Cluster: a key and its lease share a hash slot (hash tags), so every
 * script runs on one shard, and a DEL of many keys is split per slot. Without the hash tags the scripts fail with
 * CROSSSLOT; without the per-slot grouping the DELs do.
 */
class RedisClusterL2Test {

    private static RedisCluster cluster;
    private static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start(
                3, Path.of("target", "redis-cluster-" + ProcessHandle.current().pid()));
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
        cluster.close();
    }

    @Test
    void theLeaseProtocolRunsOnEveryShardAndADelSpansThemAll() {
        try (VertxRedisPort redis = VertxRedisPort.createCluster(vertx, cluster.uris(), 2000)) {
            L2Store l2 = new L2Store(redis, L2Store.FillMode.LEASE_CHECKED);
            List<String> keys = new ArrayList<>();
            Set<Integer> shards = new HashSet<>();
            for (long id = 1; id <= 300; id++) {
                String key = CacheKeys.price(id);
                keys.add(key);
                shards.add(CacheKeys.slot(key) * 3 / 16384);
                assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(key, "t" + id, 2000));
                assertInstanceOf(L2Store.LeaseHeld.class, l2.getOrLease(key, "other", 2000));
                assertTrue(l2.fill(
                        key, "t" + id, new CachedValue("{\"v\":" + id + "}", 1, CachedValue.Source.DB), 60_000));
                assertInstanceOf(L2Store.Hit.class, l2.getOrLease(key, "t" + id, 2000));
            }
            assertEquals(3, shards.size(), "the keys are spread over all three shards");

            // The stale-set race on a cluster: an invalidation between lease and fill refuses the fill.
            String raced = CacheKeys.productView(4242);
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(raced, "reader", 2000));
            l2.delete(List.of(raced));
            assertFalse(l2.fill(raced, "reader", new CachedValue("{}", 1, CachedValue.Source.DB), 60_000));
            assertNull(l2.get(raced));

            // A failed load gives its lease back on its shard.
            String released = CacheKeys.price(9999);
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(released, "loader", 2000));
            l2.releaseLease(released, "loader");
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(released, "next", 2000));

            assertEquals(300, l2.delete(keys), "one call deletes the keys of every shard");
            for (String key : keys) {
                assertNull(l2.get(key));
            }
        }
    }

    /**
     * A key-space flush (a poison change's compensation, the recovery after a slot reset) reaches every master: SCAN
     * is keyless, and on one node only it left two thirds of the keys (and their leases) in place.
     */
    @Test
    void aKeySpaceFlushReachesEveryShard() {
        try (VertxRedisPort redis = VertxRedisPort.createCluster(vertx, cluster.uris(), 2000)) {
            L2Store l2 = new L2Store(redis, L2Store.FillMode.LEASE_CHECKED);
            List<String> prices = new ArrayList<>();
            for (long id = 1001; id <= 1300; id++) {
                String key = CacheKeys.price(id);
                prices.add(key);
                assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(key, "t", 2000));
                assertTrue(l2.fill(key, "t", new CachedValue("{}", 1, CachedValue.Source.DB), 60_000));
            }
            String leased = CacheKeys.price(1301); // a lease without a value: the flush removes leases too
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(leased, "t", 60_000));
            String view = CacheKeys.productView(1001); // another key space: untouched
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(view, "t", 2000));
            assertTrue(l2.fill(view, "t", new CachedValue("{}", 1, CachedValue.Source.DB), 60_000));

            long removed = l2.deletePrefix(CacheKeys.PRICE_PREFIX);
            assertTrue(removed >= 301, "every value and the open lease, on all shards: " + removed);
            for (String key : prices) {
                assertNull(l2.get(key), key);
            }
            assertInstanceOf(L2Store.LeaseGranted.class, l2.getOrLease(leased, "next", 2000), "its lease is gone");
            assertNotNull(l2.get(view), "the other key space stays");
        }
    }
}
