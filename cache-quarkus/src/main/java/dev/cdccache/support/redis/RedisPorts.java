package dev.cdccache.support.redis;

import dev.cdccache.cache.RedisPort;
import io.quarkus.redis.client.RedisClientName;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Redis;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Default;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.Config;

/**
 * Builds a {@link RedisPort} for a quarkus-redis-client client: its commands go through the extension's client
 * ({@code quarkus.redis[.<name>].*}: pool, health, metrics), and its L1 eviction subscription gets a client of its own
 * to the same hosts, on an event-loop thread of its own.
 *
 * <p>Why a thread of its own: evictions and the lease heartbeats are handled on the subscription's event loop. On
 * the loops shared with HTTP, a burst of 1,000 requests delayed them by up to 3.3 s (measured with the stampede
 * test), so the lease lapsed, L1 stopped serving and deduplicating, and the burst reached the database. Lettuce had
 * its own I/O threads, which is why this never showed before.
 */
@ApplicationScoped
public class RedisPorts {

    private final Instance<Redis> clients;
    private final Config config;
    private final Vertx subscriptionLoop = Vertx.vertx(
            new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
    private final Vertx isolatedLoop = Vertx.vertx(
            new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));

    public RedisPorts(@Any Instance<Redis> clients, Config config) {
        this.clients = clients;
        this.config = config;
    }

    /** The default client ({@code quarkus.redis.hosts}). */
    public RedisPort defaultClient(long timeoutMillis) {
        return port(clients.select(Default.Literal.INSTANCE), "quarkus.redis.", timeoutMillis);
    }

    /**
     * A client of its own to the default hosts, with its own connection pool and event loop: for traffic that must
     * never queue in front of the cache's own calls (the rate limiter's one script per request). Standalone only.
     */
    public RedisPort isolated(long timeoutMillis) {
        String host = config.getValue("quarkus.redis.hosts", String.class)
                .split(",")[0]
                .trim();
        return VertxRedisPort.create(isolatedLoop, host, timeoutMillis);
    }

    /** The client named {@code name} ({@code quarkus.redis.<name>.hosts}). */
    public RedisPort named(String name, long timeoutMillis) {
        return port(clients.select(RedisClientName.Literal.of(name)), "quarkus.redis." + name + ".", timeoutMillis);
    }

    private RedisPort port(Instance<Redis> client, String prefix, long timeoutMillis) {
        if (!client.isResolvable()) {
            throw new IllegalStateException(prefix + "hosts is not set");
        }
        // The first host: on a cluster, classic pub/sub reaches every node.
        String host =
                config.getValue(prefix + "hosts", String.class).split(",")[0].trim();
        boolean cluster = "cluster"
                .equalsIgnoreCase(config.getOptionalValue(prefix + "client-type", String.class)
                        .orElse("standalone"));
        Redis subscriber = Redis.createClient(subscriptionLoop, VertxRedisPort.options(host, timeoutMillis));
        return new VertxRedisPort(client.get(), subscriber, timeoutMillis, cluster, subscriptionLoop);
    }

    @PreDestroy
    void close() {
        subscriptionLoop.close();
        isolatedLoop.close();
    }
}
