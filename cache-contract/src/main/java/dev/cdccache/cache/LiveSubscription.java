package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A Redis subscription that comes back: established at once if Redis answers, retried every second otherwise and
 * after every loss. The owner hears when it goes live and when it is lost.
 */
final class LiveSubscription implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LiveSubscription.class);

    interface Events {
        void message(String channel, String message);

        /** Subscribed; {@code requestedAtNanos} is when the SUBSCRIBE was sent. */
        void live(long requestedAtNanos);

        void lost();
    }

    private final RedisPort redis;
    private final List<String> channels;
    private final Events events;
    private final ScheduledExecutorService retry;
    private final AtomicReference<RedisPort.Subscription> current = new AtomicReference<>();
    private final Object subscribing = new Object();
    private volatile boolean closed;

    LiveSubscription(RedisPort redis, List<String> channels, Events events, ScheduledExecutorService retry) {
        this.redis = redis;
        this.channels = List.copyOf(channels);
        this.events = events;
        this.retry = retry;
    }

    void start() {
        trySubscribe();
    }

    /** The live subscription, or null. */
    RedisPort.Subscription current() {
        return current.get();
    }

    boolean isOpen() {
        RedisPort.Subscription s = current.get();
        return s != null && s.isOpen();
    }

    private void trySubscribe() {
        synchronized (subscribing) {
            if (current.get() != null || closed) {
                return;
            }
            try {
                Listener listener = new Listener();
                long requestedAt = System.nanoTime();
                RedisPort.Subscription s = redis.subscribe(channels, listener);
                listener.owner = s;
                current.set(s);
                if (!s.isOpen() && current.compareAndSet(s, null)) {
                    throw new IllegalStateException("the subscription connection closed at once");
                }
                events.live(requestedAt);
            } catch (RuntimeException e) {
                LOG.warnf("subscription to %s not established (%s); retrying", channels, e.getMessage());
                schedule();
            }
        }
    }

    private void schedule() {
        if (!closed) {
            retry.schedule(this::trySubscribe, 1, TimeUnit.SECONDS);
        }
    }

    private final class Listener implements RedisPort.SubscriptionListener {
        volatile RedisPort.Subscription owner;

        @Override
        public void message(String channel, String message) {
            events.message(channel, message);
        }

        @Override
        public void ended(Throwable cause) {
            RedisPort.Subscription s = owner;
            if (s != null && current.compareAndSet(s, null)) {
                LOG.warnf("subscription to %s lost; resubscribing", channels);
                events.lost();
                schedule();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        RedisPort.Subscription s = current.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }
}
