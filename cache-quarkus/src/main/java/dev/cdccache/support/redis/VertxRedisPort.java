package dev.cdccache.support.redis;

import dev.cdccache.cache.RedisPort;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RedisPort} on the Vert.x Redis client that quarkus-redis-client configures ({@code quarkus.redis.*}, its
 * health check and metrics). Blocking calls wait at most the command timeout; they must not run on an event loop.
 *
 * <p>RESP3 is required (Redis 6 or later): pub/sub messages then arrive as push frames, never mistaken for the reply
 * to a PING sent down the same connection, which is what the L1 lease relies on.
 */
public final class VertxRedisPort implements RedisPort {

    private static final Logger LOG = Logger.getLogger(VertxRedisPort.class);
    /**
     * Commands go over a few long-lived connections, each pipelining every command in flight (as Lettuce's one
     * multiplexed connection did). The client's pool holds a connection per command until its reply: under a burst of
     * misses the pool wait alone averaged 4.5 ms per command and halved the cold-pass throughput (measured).
     */
    private static final int LANES = 4;

    private final Redis redis;
    private final Redis subscriber;
    private final long timeoutMillis;
    private final boolean ownsClient;
    private final boolean cluster;
    /** For a cluster: the event loop of the short-lived per-master connections that scan the whole key space. */
    private final Vertx scanLoop;

    private final Map<String, String> shas = new ConcurrentHashMap<>();
    private final Set<VertxSubscription> subscriptions = ConcurrentHashMap.newKeySet();
    private final RedisConnection[] lanes = new RedisConnection[LANES];
    private final java.util.concurrent.atomic.AtomicInteger nextLane = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param redis      commands: a client someone else manages (the Quarkus extension's); {@link #close()} leaves it
     * @param subscriber the eviction subscription's own client (on its own event loop, see {@link RedisPorts});
     *                   closed with this port
     */
    public VertxRedisPort(Redis redis, Redis subscriber, long timeoutMillis, boolean cluster, Vertx scanLoop) {
        this(redis, subscriber, timeoutMillis, false, cluster, scanLoop);
    }

    private VertxRedisPort(
            Redis redis, Redis subscriber, long timeoutMillis, boolean ownsClient, boolean cluster, Vertx scanLoop) {
        this.redis = redis;
        this.subscriber = subscriber;
        this.timeoutMillis = timeoutMillis;
        this.ownsClient = ownsClient;
        this.cluster = cluster;
        this.scanLoop = scanLoop;
    }

    /** A port with clients of its own, for tools and tests outside Quarkus; {@link #close()} closes them. */
    public static VertxRedisPort create(Vertx vertx, String uri, long timeoutMillis) {
        return new VertxRedisPort(
                Redis.createClient(vertx, options(uri, timeoutMillis)),
                Redis.createClient(vertx, options(uri, timeoutMillis)),
                timeoutMillis,
                true,
                false,
                vertx);
    }

    /**
     * A port on a Redis Cluster (commands routed by hash slot), for tests and tools; the subscription goes to the
     * first node (classic pub/sub reaches every node of a cluster).
     */
    public static VertxRedisPort createCluster(Vertx vertx, List<String> nodes, long timeoutMillis) {
        RedisOptions options = options(nodes.get(0), timeoutMillis).setType(RedisClientType.CLUSTER);
        nodes.stream().skip(1).forEach(options::addConnectionString);
        return new VertxRedisPort(
                Redis.createClient(vertx, options),
                Redis.createClient(vertx, options(nodes.get(0), timeoutMillis)),
                timeoutMillis,
                true,
                true,
                vertx);
    }

    /** RESP3 (required), a connect timeout tied to the command timeout, and a queue that absorbs bursts. */
    static RedisOptions options(String uri, long timeoutMillis) {
        RedisOptions options = new RedisOptions()
                .setConnectionString(uri)
                .setPreferredProtocolVersion(ProtocolVersion.RESP3)
                .setMaxPoolSize(8)
                .setMaxPoolWaiting(256);
        options.getNetClientOptions().setConnectTimeout((int) Math.max(200, timeoutMillis * 2));
        return options;
    }

    @Override
    public Object eval(Script script, List<String> keys, List<String> args) {
        String sha = shas.computeIfAbsent(script.source(), VertxRedisPort::sha1);
        try {
            return java(await(send(script(Command.EVALSHA, sha, keys, args))));
        } catch (RedisCallFailed e) {
            if (!e.noScript()) {
                throw e;
            }
            // This Redis (a restarted one, or the cluster shard of these keys) does not know the script yet: EVAL
            // runs it on the node that serves the keys and leaves it cached there for the next EVALSHA.
            return java(await(send(script(Command.EVAL, script.source(), keys, args))));
        }
    }

    @Override
    public List<Object> evalAll(Script script, List<List<String>> keys, List<List<String>> args) {
        if (keys.isEmpty()) {
            return List.of();
        }
        String sha = shas.computeIfAbsent(script.source(), VertxRedisPort::sha1);
        List<Request> calls = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            calls.add(script(Command.EVALSHA, sha, keys.get(i), args.get(i)));
        }
        RedisConnection lane = lane();
        try {
            List<Response> replies;
            if (cluster) {
                List<Future<Response>> sent = new ArrayList<>(calls.size());
                calls.forEach(c -> sent.add(lane.send(c)));
                replies = new ArrayList<>(sent.size());
                for (Future<Response> f : sent) {
                    replies.add(await(f));
                }
            } else {
                replies = await(lane.batch(calls));
            }
            List<Object> out = new ArrayList<>(replies.size());
            replies.forEach(r -> out.add(java(r)));
            return out;
        } catch (RedisCallFailed e) {
            if (!e.noScript()) {
                throw e;
            }
            // A Redis that does not know the script yet (restarted): one by one, each loads it where needed. The
            // scripts are idempotent, so the ones that already ran in the failed pipeline may run again.
            List<Object> out = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                out.add(eval(script, keys.get(i), args.get(i)));
            }
            return out;
        }
    }

    /** {@code EVALSHA sha} or {@code EVAL source}, then the keys and arguments. */
    private static Request script(Command command, String script, List<String> keys, List<String> args) {
        Request r = Request.cmd(command).arg(script).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return r;
    }

    @Override
    public long del(List<List<String>> groups) {
        if (groups.isEmpty()) {
            return 0;
        }
        List<Request> dels = new ArrayList<>(groups.size());
        for (List<String> group : groups) {
            Request del = Request.cmd(Command.DEL);
            group.forEach(del::arg);
            dels.add(del);
        }
        RedisConnection lane = lane();
        List<Response> replies = new ArrayList<>(dels.size());
        if (cluster) {
            // Each DEL holds one slot's keys (L2Store groups them) and goes to that slot's shard; all in flight at
            // once, pipelined on the lane's per-shard connections.
            List<Future<Response>> sent = new ArrayList<>(dels.size());
            dels.forEach(del -> sent.add(lane.send(del)));
            for (Future<Response> f : sent) {
                replies.add(await(f));
            }
        } else {
            replies.addAll(await(lane.batch(dels)));
        }
        long removed = 0;
        for (Response r : replies) {
            removed += r == null ? 0 : r.toLong();
        }
        return removed;
    }

    @Override
    public ScanPage scan(String cursor, String match, int count) {
        if (cluster) {
            return scanCluster(match, count);
        }
        return scanPage(send(scanRequest(cursor, match, count)));
    }

    private static Request scanRequest(String cursor, String match, int count) {
        return Request.cmd(Command.SCAN)
                .arg(cursor)
                .arg("MATCH")
                .arg(match)
                .arg("COUNT")
                .arg(count);
    }

    private ScanPage scanPage(Future<Response> reply) {
        Response r = await(reply);
        List<String> keys = new ArrayList<>(r.get(1).size());
        for (Response key : r.get(1)) {
            keys.add(key.toString());
        }
        return new ScanPage(r.get(0).toString(), keys);
    }

    /**
     * On a cluster SCAN is keyless and reaches one node only, so a key-space flush would miss the keys of the other
     * masters. This walks every master to the end (from CLUSTER NODES) and answers it all as one page: a flush is
     * rare, and its keys are deleted in slot groups anyway.
     */
    private ScanPage scanCluster(String match, int count) {
        String nodes = await(send(Request.cmd(Command.CLUSTER).arg("NODES"))).toString();
        List<String> keys = new ArrayList<>();
        for (String line : nodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 3 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            String endpoint = f[1].split("@")[0]; // host:port@cport[,hostname]
            Redis node = Redis.createClient(scanLoop, options("redis://" + endpoint, timeoutMillis));
            try {
                RedisConnection conn = await(node.connect());
                String cursor = "0";
                do {
                    ScanPage page = scanPage(conn.send(scanRequest(cursor, match, count)));
                    keys.addAll(page.keys());
                    cursor = page.cursor();
                } while (!"0".equals(cursor));
            } finally {
                node.close();
            }
        }
        return new ScanPage("0", keys);
    }

    @Override
    public String get(String key) {
        Response r = await(send(Request.cmd(Command.GET).arg(key)));
        return r == null ? null : r.toString();
    }

    @Override
    public void setPx(String key, String value, long ttlMillis) {
        await(send(Request.cmd(Command.SET).arg(key).arg(value).arg("PX").arg(ttlMillis)));
    }

    @Override
    public long publish(String channel, String message) {
        return await(send(Request.cmd(Command.PUBLISH).arg(channel).arg(message)))
                .toLong();
    }

    @Override
    public void publishAsync(String channel, String message) {
        redis.send(Request.cmd(Command.PUBLISH).arg(channel).arg(message))
                .onFailure(e -> LOG.debugf("publish to %s failed: %s", channel, e.getMessage()));
    }

    @Override
    public boolean ping() {
        Response r = await(send(Request.cmd(Command.PING)));
        return r != null && "PONG".equals(r.toString());
    }

    /**
     * Establishing a subscription (a new connection, its handshake, SUBSCRIBE) happens at start and after an outage,
     * off the request path: it gets a longer bound than one command.
     */
    private long subscribeTimeoutMillis() {
        return Math.max(2000, timeoutMillis * 4);
    }

    @Override
    public Subscription subscribe(List<String> channels, SubscriptionListener listener) {
        long timeout = subscribeTimeoutMillis();
        RedisConnection connection = await(subscriber.connect(), timeout);
        RedisConnection heartbeats;
        try {
            heartbeats = await(subscriber.connect(), timeout);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        VertxSubscription sub = new VertxSubscription(connection, heartbeats, channels, listener);
        try {
            Request subscribe = Request.cmd(Command.SUBSCRIBE);
            channels.forEach(subscribe::arg);
            subscribe.arg(sub.heartbeatChannel);
            await(connection.send(subscribe), timeout);
            // SUBSCRIBE answers with one push frame per channel; all of them means the subscription is in place.
            await(Future.fromCompletionStage(sub.subscribed), timeout);
        } catch (RuntimeException e) {
            sub.close();
            throw e;
        }
        subscriptions.add(sub);
        return sub;
    }

    @Override
    public void close() {
        List.copyOf(subscriptions).forEach(VertxSubscription::close);
        // Taken out under the lock, closed outside it: closing a connection takes its own monitor, which the event
        // loop holds while it runs the connection's end handler — and that handler (drop) takes this lock. Closing
        // under the lock deadlocked a Quarkus test's shutdown (CI, 2026-11-23).
        List<RedisConnection> open = new ArrayList<>(LANES);
        synchronized (lanes) {
            for (int i = 0; i < LANES; i++) {
                if (lanes[i] != null) {
                    open.add(lanes[i]);
                    lanes[i] = null;
                }
            }
        }
        open.forEach(RedisConnection::close);
        subscriber.close();
        if (ownsClient) {
            redis.close();
        }
    }

    /** One of the lanes, round-robin; a lane whose connection ended is reconnected on its next use. */
    private RedisConnection lane() {
        int i = Math.floorMod(nextLane.getAndIncrement(), LANES);
        RedisConnection lane = lanes[i];
        if (lane != null) {
            return lane;
        }
        synchronized (lanes) {
            if (lanes[i] == null) {
                RedisConnection connected = await(redis.connect());
                connected.endHandler(v -> drop(i, connected));
                connected.exceptionHandler(e -> drop(i, connected));
                lanes[i] = connected;
            }
            return lanes[i];
        }
    }

    private void drop(int i, RedisConnection lane) {
        synchronized (lanes) {
            if (lanes[i] == lane) {
                lanes[i] = null;
            }
        }
    }

    private Future<Response> send(Request request) {
        return lane().send(request);
    }

    private <T> T await(Future<T> future) {
        return await(future, timeoutMillis);
    }

    private static <T> T await(Future<T> future, long timeoutMillis) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisCallFailed("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new RedisCallFailed(String.valueOf(cause.getMessage()), cause);
        } catch (TimeoutException e) {
            throw new RedisCallFailed("no answer within " + timeoutMillis + " ms", e);
        }
    }

    private static Object java(Response r) {
        if (r == null) {
            return null;
        }
        return switch (r.type()) {
            case NUMBER -> r.toLong();
            case BOOLEAN -> r.toBoolean();
            case MULTI, PUSH -> {
                List<Object> items = new ArrayList<>(r.size());
                for (Response item : r) {
                    items.add(java(item));
                }
                yield items;
            }
            default -> r.toString();
        };
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A Redis call that failed or did not answer in time. */
    static final class RedisCallFailed extends IllegalStateException {
        RedisCallFailed(String message, Throwable cause) {
            super("redis: " + message, cause);
        }

        boolean noScript() {
            return getCause() != null
                    && getCause().getMessage() != null
                    && getCause().getMessage().contains("NOSCRIPT"); // a pipelined batch prefixes "ERR [i] "
        }
    }

    /**
     * One dedicated, subscribed connection. No command that expects a reply is ever sent on it: the Vert.x client
     * (4.5) drops a pending reply's waiter when a push frame arrives first, so a PING there could be answered to the
     * wrong caller. The lease's PING is a PUBLISH of a token to this subscription's own heartbeat channel, sent on a
     * second connection of its own (so a busy command pool cannot starve the lease): Redis delivers a channel's
     * messages to a subscriber in the order it processed the PUBLISHes, so when the token comes back, every message
     * published before it was sent has been delivered. Losing either connection ends the subscription.
     */
    private final class VertxSubscription implements Subscription {
        private final RedisConnection connection;
        private final RedisConnection heartbeats;
        private final SubscriptionListener listener;
        private final int expectedConfirmations;
        private final String heartbeatChannel = "l1:heartbeat:" + java.util.UUID.randomUUID();
        private final java.util.concurrent.CompletableFuture<Void> subscribed =
                new java.util.concurrent.CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicLong nextToken = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.ConcurrentSkipListMap<Long, java.util.concurrent.CompletableFuture<Void>>
                pings = new java.util.concurrent.ConcurrentSkipListMap<>();
        private int confirmations;
        private volatile boolean open = true;

        VertxSubscription(
                RedisConnection connection,
                RedisConnection heartbeats,
                List<String> channels,
                SubscriptionListener listener) {
            this.connection = connection;
            this.heartbeats = heartbeats;
            this.listener = listener;
            this.expectedConfirmations = channels.size() + 1;
            connection.handler(this::push);
            connection.endHandler(v -> ended(null));
            connection.exceptionHandler(this::ended);
            heartbeats.endHandler(v -> ended(null));
            heartbeats.exceptionHandler(this::ended);
        }

        /** Runs on the connection's event loop, frame by frame in arrival order. */
        private void push(Response frame) {
            if (frame == null || frame.size() < 3 || !open) {
                return;
            }
            String kind = frame.get(0).toString();
            if ("message".equals(kind)) {
                String channel = frame.get(1).toString();
                if (heartbeatChannel.equals(channel)) {
                    heartbeat(Long.parseLong(frame.get(2).toString()));
                } else {
                    listener.message(channel, frame.get(2).toString());
                }
            } else if ("subscribe".equals(kind) && ++confirmations == expectedConfirmations) {
                subscribed.complete(null);
            }
        }

        /** Token {@code n} is back: it and every earlier ping are answered. */
        private void heartbeat(long token) {
            var answered = pings.headMap(token, true);
            answered.values().forEach(f -> f.complete(null));
            answered.clear();
        }

        private void ended(Throwable cause) {
            if (open) {
                open = false;
                subscriptions.remove(this);
                failPings(cause);
                release();
                listener.ended(cause);
            }
        }

        /** Either connection may still be alive: give both back, the subscribed one out of subscribe mode. */
        private void release() {
            heartbeats.close();
            connection.send(Request.cmd(Command.UNSUBSCRIBE)).onComplete(r -> connection.close());
        }

        private void failPings(Throwable cause) {
            Throwable reason = cause == null ? new IllegalStateException("subscription closed") : cause;
            pings.values().forEach(f -> f.completeExceptionally(reason));
            pings.clear();
        }

        @Override
        public CompletionStage<Void> ping() {
            java.util.concurrent.CompletableFuture<Void> answered = new java.util.concurrent.CompletableFuture<>();
            if (!open) {
                answered.completeExceptionally(new IllegalStateException("subscription closed"));
                return answered;
            }
            long token = nextToken.incrementAndGet();
            pings.put(token, answered);
            heartbeats
                    .send(Request.cmd(Command.PUBLISH).arg(heartbeatChannel).arg(token))
                    .onFailure(e -> {
                        pings.remove(token);
                        answered.completeExceptionally(e);
                    });
            return answered;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
            subscriptions.remove(this);
            failPings(null);
            release();
        }
    }
}
