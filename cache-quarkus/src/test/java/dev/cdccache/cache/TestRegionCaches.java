package dev.cdccache.cache;

import dev.cdccache.stack.FaultProxy;
import dev.cdccache.stack.StackControl;
import dev.cdccache.support.redis.VertxRedisPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;

/**
 * One way for every module's tests to stand up "another process" of a region: a {@link RegionCache} wired as a
 * service wires itself (default policies and leases, lease-checked fills, no fault-tolerance guards), against the
 * real Redis of the test stack, through the production Redis adapter. Shipped in cache-quarkus's test-jar.
 */
public final class TestRegionCaches {

    /** One event-loop group for every test instance of this JVM, as one Quarkus process has one. */
    private static final Vertx VERTX = Vertx.vertx();

    private TestRegionCaches() {}

    /** An instance of {@code region} on the test stack's Redis for that region. */
    public static RegionCache instance(String region) {
        return instance(StackControl.property("stack.redis." + region), region, L2Store.FillMode.LEASE_CHECKED);
    }

    /** An instance of {@code region} on the Redis at {@code redisUri} (a fault proxy, say). */
    public static RegionCache instance(String redisUri, String region) {
        return instance(redisUri, region, L2Store.FillMode.LEASE_CHECKED);
    }

    static RegionCache instance(String redisUri, String region, L2Store.FillMode mode) {
        return instance(
                redisUri,
                new RegionCache.Settings(region, 10_000, 500, Map.of(), LayeredCache.LeaseSettings.DEFAULT),
                mode);
    }

    /** A started fault proxy (pass-through until told otherwise) in front of the test stack's Redis of {@code region}. */
    public static FaultProxy redisProxy(String region) throws IOException {
        int redisPort =
                URI.create(StackControl.property("stack.redis." + region)).getPort();
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        return new FaultProxy(proxyPort, redisPort, 0).start();
    }

    /** An instance of {@code region} whose every Redis connection goes through {@code proxy}. */
    public static RegionCache instance(FaultProxy proxy, String region) {
        return instance("redis://127.0.0.1:" + proxy.listenPort(), region);
    }

    /** An instance with its own settings (correctness sampling, say) on the test stack's Redis of its region. */
    public static RegionCache instance(RegionCache.Settings settings) {
        return instance(
                StackControl.property("stack.redis." + settings.region()), settings, L2Store.FillMode.LEASE_CHECKED);
    }

    private static RegionCache instance(String redisUri, RegionCache.Settings settings, L2Store.FillMode mode) {
        return new RegionCache(
                settings,
                VertxRedisPort.create(VERTX, redisUri, 250),
                new SimpleMeterRegistry(),
                Guard.DIRECT,
                Guard.DIRECT,
                Guard.DIRECT,
                mode);
    }
}
