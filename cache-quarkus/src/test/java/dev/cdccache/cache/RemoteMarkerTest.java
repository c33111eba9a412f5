package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cdccache.stack.StackControl;
import dev.cdccache.support.redis.VertxRedisPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Remote markers in a region that reads a replica, against real Redis: a marked key is read from the primary and
 * cached nowhere; only the invalidation of a change at least as new as the marking write lifts the marker. An older
 * change of the same row arriving late (its gate passed: the replica has it, but not the newer write) must leave the
 * newer write's marker, or the next read refills the cache from the replica with the older row.
 */
class RemoteMarkerTest {

    private final Instances instances = new Instances();
    private final Vertx vertx = Vertx.vertx();
    private RegionInvalidation cdc;
    private RedisPort probe;

    @AfterEach
    void close() {
        instances.close();
        if (cdc != null) {
            cdc.close();
        }
        if (probe != null) {
            probe.close();
        }
        vertx.close();
    }

    /** eu's CDC invalidator role: it lifts the markers of what it invalidates (its gate passed). */
    private RegionInvalidation euInvalidator() {
        return new RegionInvalidation(
                "eu",
                500,
                VertxRedisPort.create(vertx, StackControl.property("stack.redis.eu"), 250),
                new SimpleMeterRegistry(),
                Guard.DIRECT,
                true);
    }

    private static RowChange priceChange(long id, long version) {
        return CachedTable.PRICES.change(RowChange.Op.UPDATE, id, version);
    }

    @Test
    void anOlderChangeArrivingLateLeavesANewerWritesMarker() throws Exception {
        RegionCache reader = instances.create("eu");
        cdc = euInvalidator();
        long id = ThreadLocalRandom.current().nextLong(7_000_000, 8_000_000);
        String key = CacheKeys.price(id);
        // The replica has version 4; the primary already has 5, written in this region.
        Loader loader = Loader.routed(k -> new Loader.Loaded("{\"v\":4}", 4), k -> new Loader.Loaded("{\"v\":5}", 5));

        reader.l2().mark(KeyMapper.map(priceChange(id, 5)).markers(), 10_000);
        assertEquals(5, reader.cache().get(key, loader).version(), "a marked key is read from the primary");
        assertNull(reader.l2().get(key), "and cached nowhere");

        // The invalidation of version 4 (committed before the write, its gate passed) arrives now.
        cdc.invalidator().invalidate(KeyMapper.map(priceChange(id, 4)));
        assertEquals(1L, exists(CacheKeys.marker(key)), "the newer write's marker stays");
        assertEquals(5, reader.cache().get(key, loader).version(), "still the primary, not the replica's 4");
        assertNull(reader.l2().get(key));

        // The write's own invalidation (its gate passed: the replica has 5 now) lifts the marker.
        Loader caughtUp = Loader.routed(k -> new Loader.Loaded("{\"v\":5}", 5), k -> new Loader.Loaded("{\"v\":5}", 5));
        cdc.invalidator().invalidate(KeyMapper.map(priceChange(id, 5)));
        assertEquals(0L, exists(CacheKeys.marker(key)));
        assertEquals(5, reader.cache().get(key, caughtUp).version());
        assertNotNull(reader.l2().get(key), "cached again once the marker is gone");
    }

    @Test
    void aDeleteLiftsEveryMarkerOfItsRowAndAWritersOwnDelLeavesThem() throws Exception {
        RegionCache writer = instances.create("eu");
        cdc = euInvalidator();
        long id = ThreadLocalRandom.current().nextLong(8_000_000, 9_000_000);
        String view = CacheKeys.productView(id);
        writer.l2()
                .mark(
                        KeyMapper.map(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, id, 7))
                                .markers(),
                        10_000);
        writer.invalidator().invalidate(KeyMapper.map(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, id, 7)));
        assertEquals(1L, exists(CacheKeys.marker(view)), "the writer's own DEL leaves its marker");
        cdc.invalidator()
                .invalidate(
                        KeyMapper.map(new RowChange("products", RowChange.Op.DELETE, Map.of("id", id), -1, -1, -1)));
        assertEquals(0L, exists(CacheKeys.marker(view)));
    }

    /** What readers' lease script checks (a marker is a hash: GET would answer WRONGTYPE). */
    private long exists(String key) {
        if (probe == null) {
            probe = VertxRedisPort.create(vertx, StackControl.property("stack.redis.eu"), 250);
        }
        return (Long) probe.eval(
                new RedisPort.Script("exists", "return redis.call('EXISTS', KEYS[1])"), List.of(key), List.of());
    }
}
