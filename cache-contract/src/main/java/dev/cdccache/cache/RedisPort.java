package dev.cdccache.cache;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The Redis operations one region's cache needs, and nothing more: the contract's logic (lease protocol, key
 * schema, broadcast rules) stays here, free of any client library; an adapter (cache-quarkus) implements this on a
 * real client. Blocking methods are bounded by the adapter's command timeout and throw {@link RuntimeException} when
 * Redis fails or does not answer in time. Implementations are thread-safe and reconnect on their own.
 */
public interface RedisPort extends AutoCloseable {

    /**
     * Runs a Lua script, loaded into Redis once and then called by its SHA ({@code EVALSHA}, loading it again when
     * Redis answers {@code NOSCRIPT}, e.g. after a restart). Replies: integer → {@link Long}, string → {@link String},
     * array → {@link List}, nil → null.
     */
    Object eval(Script script, List<String> keys, List<String> args);

    /**
     * Runs a script once per group of keys (with that group's arguments), pipelined in one round trip; each group
     * must be of one hash slot. Returns the replies in order. Loads the script where Redis does not know it.
     */
    default List<Object> evalAll(Script script, List<List<String>> keys, List<List<String>> args) {
        List<Object> replies = new java.util.ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            replies.add(eval(script, keys.get(i), args.get(i)));
        }
        return replies;
    }

    /** Sends one {@code DEL} per group, pipelined in one round trip; returns the number of keys removed. */
    long del(List<List<String>> groups);

    /** One {@code SCAN} page; the returned cursor is {@code "0"} when the scan is complete. */
    ScanPage scan(String cursor, String match, int count);

    String get(String key);

    /** {@code SET key value PX ttl}, unconditionally (tests only use it to bypass the lease check). */
    void setPx(String key, String value, long ttlMillis);

    /** Publishes and returns the number of subscribers that received the message. */
    long publish(String channel, String message);

    /** Publishes without waiting: for callers on an I/O thread, where blocking would stall the connection. */
    void publishAsync(String channel, String message);

    boolean ping();

    /**
     * Opens a dedicated connection subscribed to {@code channels}. Messages and the connection's end are delivered
     * to {@code listener} on the connection's I/O thread, in the order Redis sent them. Throws if the subscription
     * cannot be established.
     */
    Subscription subscribe(List<String> channels, SubscriptionListener listener);

    /** Releases what the adapter opened itself (subscriptions, a client it created); idempotent. */
    @Override
    void close();

    /** A Lua script; its identity is its source. */
    record Script(String name, String source) {}

    record ScanPage(String cursor, List<String> keys) {
        public boolean done() {
            return "0".equals(cursor);
        }
    }

    interface SubscriptionListener {
        void message(String channel, String message);

        /** The connection is gone (closed by Redis, the network or us): no further message will arrive on it. */
        void ended(Throwable cause);
    }

    interface Subscription extends AutoCloseable {
        /**
         * A {@code PING} down the subscription connection. Redis answers in order with what it sends on that
         * connection, so when the stage completes, every message published before the PING was sent has been
         * delivered to the listener.
         */
        CompletionStage<Void> ping();

        boolean isOpen();

        @Override
        void close();
    }
}
