package dev.cdccache.support.rest;

import dev.cdccache.cache.RedisPort;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.config.RateLimitConfig;
import dev.cdccache.support.redis.RedisPorts;
import dev.cdccache.support.service.RateLimited;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sliding-window rate limits per client and endpoint class, in the region's Redis: one sorted set per client and
 * class holds the times of the requests admitted within the window (Redis's own clock, so instances need not
 * agree on time). A request is admitted if every bucket it counts against has room; refused requests are not
 * recorded, so a client that keeps flooding is admitted again as soon as its window has room. When Redis cannot
 * answer the limiter fails open — counted, never silently — because refusing every client is worse than a flood
 * the database limit still bounds.
 *
 * <p>The limiter has a Redis client of its own and no share in the read path's circuit breaker: its calls (one per
 * write and per uncached read — a thousand in a stampede) must never queue in front of the cache's, nor open the
 * breaker that sends reads to PostgreSQL. After a failure it fails open without asking Redis for a second.
 */
@ApplicationScoped
public class RateLimits {

    private static final Logger LOG = Logger.getLogger(RateLimits.class);

    /** The classes limits are configured for. */
    public enum Kind {
        WRITE("write"),
        READ_MISS("read-miss");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    /**
     * KEYS: the buckets this request counts against (the address's, then the key's if it named one); ARGV: window
     * ms, a unique member, then each bucket's limit. Returns {1} admitted, or {0, ms until room}.
     */
    static final RedisPort.Script SLIDING_WINDOW = new RedisPort.Script("sliding-window", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local window = tonumber(ARGV[1])
            local wait = 0
            for i = 1, #KEYS do
              redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
              if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 + i]) then
                local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
                local w = tonumber(oldest[2]) + window - now
                if w > wait then wait = w end
              end
            end
            if wait > 0 then return {0, wait} end
            for i = 1, #KEYS do
              redis.call('ZADD', KEYS[i], now, ARGV[2])
              redis.call('PEXPIRE', KEYS[i], window)
            end
            return {1}
            """);

    private final RateLimitConfig config;
    private final RedisPort redis;
    /** System.nanoTime() until which the limiter fails open without asking Redis (after a failure). */
    private volatile long openUntilNanos = System.nanoTime();

    private final Map<Kind, Map<String, Counter>> decisions;

    public RateLimits(RateLimitConfig config, CacheConfig cache, RedisPorts ports, MeterRegistry registry) {
        this.config = config;
        this.redis = ports.isolated(cache.l2Timeout().toMillis());
        this.decisions = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            Map<String, Counter> byOutcome = new HashMap<>();
            for (String outcome : List.of("admitted", "limited", "fail-open")) {
                byOutcome.put(
                        outcome,
                        Counter.builder("rate.limit.decisions")
                                .description("rate-limit decisions by endpoint class and outcome")
                                .tags("class", kind.tag, "outcome", outcome)
                                .register(registry));
            }
            decisions.put(kind, byOutcome);
        }
    }

    /**
     * Who is asking: the client header's value if present, and the remote address — resolved only when a request
     * is counted, so an L1 hit pays for a header lookup and nothing more.
     */
    public static final class Client {
        private final HttpServerRequest request;
        private final String key;

        private Client(HttpServerRequest request, String key) {
            this.request = request;
            this.key = key;
        }

        String key() {
            return key;
        }

        String address() {
            SocketAddress remote = request.remoteAddress();
            return remote == null ? "unknown" : remote.hostAddress();
        }
    }

    /** The client of {@code request}; a malformed client header is refused (400) whatever the request costs. */
    public Client client(HttpServerRequest request) {
        String key = request.getHeader(config.clientHeader());
        if (key != null && (key.isEmpty() || key.length() > 128 || !key.chars().allMatch(c -> c > 32 && c < 127))) {
            throw ProblemException.badRequest(config.clientHeader() + " must be 1-128 visible ASCII characters");
        }
        return new Client(request, key);
    }

    /** {@link #admit(Kind, Client)} for the client of {@code request} (the write endpoints' first line). */
    public void admit(Kind kind, HttpServerRequest request) {
        admit(kind, client(request));
    }

    /** Counts this request against {@code client}'s budget of {@code kind}; throws {@link RateLimited} if over. */
    public void admit(Kind kind, Client client) {
        if (!config.enabled()) {
            return;
        }
        RateLimitConfig.Limit configured = kind == Kind.WRITE ? config.write() : config.readMiss();
        int limit = configured.limit();
        long window = configured.window().toMillis();
        // One hash slot per address ({…}), so the address's bucket and its keys' share a script call on a cluster.
        String address = client.address();
        List<String> keys = new ArrayList<>(2);
        List<String> args = new ArrayList<>(4);
        args.add(Long.toString(window));
        args.add(UUID.randomUUID().toString());
        keys.add("rl:{" + address + "}:" + kind.tag);
        if (client.key() == null) {
            args.add(Integer.toString(limit));
        } else {
            args.add(Long.toString((long) limit * config.addressMultiplier()));
            keys.add("rl:{" + address + "}:" + kind.tag + ":k:" + client.key());
            args.add(Integer.toString(limit));
        }
        List<?> reply;
        try {
            if (System.nanoTime() - openUntilNanos < 0) {
                throw new IllegalStateException("failed within the last second");
            }
            reply = (List<?>) redis.eval(SLIDING_WINDOW, keys, args);
        } catch (Exception e) {
            if (System.nanoTime() - openUntilNanos >= 0) {
                openUntilNanos = System.nanoTime() + 1_000_000_000L;
            }
            decisions.get(kind).get("fail-open").increment();
            if (ThreadLocalRandom.current().nextInt(100) == 0) {
                LOG.warnf("rate limiter failing open (Redis: %s)", e.getMessage());
            }
            return;
        }
        if (Long.valueOf(1).equals(reply.get(0))) {
            decisions.get(kind).get("admitted").increment();
            return;
        }
        decisions.get(kind).get("limited").increment();
        throw new RateLimited(
                "rate limit of " + limit + " " + kind.tag + " requests per " + window + " ms exceeded",
                (Long) reply.get(1));
    }

    @PreDestroy
    void close() {
        redis.close();
    }
}
