package dev.cdccache.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Connects on first use, so a process that starts while its Redis is down still starts (reads then go to
 * PostgreSQL). Once connected, Lettuce's own auto-reconnect takes over.
 */
public final class RedisConnectionHolder implements AutoCloseable {

    private final RedisClient client;
    private volatile StatefulRedisConnection<String, String> connection;

    public RedisConnectionHolder(RedisClient client) {
        this.client = client;
    }

    public StatefulRedisConnection<String, String> get() {
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (connection == null) {
                connection = client.connect();
            }
            return connection;
        }
    }

    @Override
    public synchronized void close() {
        if (connection != null) {
            connection.close();
        }
    }
}
