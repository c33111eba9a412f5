package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending half of a region's L1 eviction broadcast (see {@link L1EvictionSubscriber} for the receiving half and
 * the loss rules). Every message carries this publisher's id and a sequence number, and the publisher waits
 * (bounded) for an acknowledgement from every subscriber that received it, so when a write answers, every reachable
 * instance of the region has already evicted. Writers and CDC invalidators both publish; only readers subscribe.
 * Wire format: {@code publisherId \t seq \t ackChannel \t op \t key\u001fkey...}, op {@code K} (keys) or
 * {@code P} (prefixes); any other op flushes everything.
 */
public final class L1EvictionPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(L1EvictionPublisher.class);
    static final char SEP = '\u001f';

    private final RedisPort redis;
    private final CacheMetrics metrics;
    private final String channel;
    private final String publisherId = UUID.randomUUID().toString();
    private final String ackChannel = "l1:ack:" + publisherId;
    private final long ackTimeoutMillis;
    private final AtomicLong seq = new AtomicLong();
    private final Object publishOrder = new Object();
    private final Map<Long, PendingAck> pendingAcks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l1-ack-subscription");
        t.setDaemon(true);
        return t;
    });
    private final LiveSubscription acks;
    private volatile double dropRate;

    public L1EvictionPublisher(RedisPort redis, String region, CacheMetrics metrics, long ackTimeoutMillis) {
        this.redis = redis;
        this.metrics = metrics;
        this.channel = L1EvictionSubscriber.channelFor(region);
        this.ackTimeoutMillis = ackTimeoutMillis;
        this.acks = new LiveSubscription(
                redis,
                List.of(ackChannel),
                new LiveSubscription.Events() {
                    @Override
                    public void message(String ch, String message) {
                        onAck(message);
                    }

                    @Override
                    public void live(long requestedAtNanos) {}

                    @Override
                    public void lost() {}
                },
                retry);
    }

    /** Subscribes to this publisher's acknowledgement channel (retried in the background if Redis is away). */
    public void start() {
        acks.start();
    }

    public void publishKeys(Collection<String> keys) {
        if (!keys.isEmpty()) {
            publish('K', keys);
        }
    }

    public void publishPrefixes(Collection<String> prefixes) {
        if (!prefixes.isEmpty()) {
            publish('P', prefixes);
        }
    }

    /**
     * Publishes and waits up to the ack timeout for every receiver. Throws if Redis refused the publish.
     *
     * <p>The sequence number is taken and the PUBLISH answered under a lock, so messages leave in sequence order
     * whatever the writers' concurrency (the client's connections are pooled; one message in flight at a time keeps
     * the order on the wire): receivers treat a gap as a loss and flush their whole L1. Only the wait for
     * acknowledgements runs outside the lock.
     */
    private void publish(char op, Collection<String> items) {
        long s;
        PendingAck pending = new PendingAck();
        long receivers;
        synchronized (publishOrder) {
            s = seq.incrementAndGet();
            if (dropRate > 0 && ThreadLocalRandom.current().nextDouble() < dropRate) {
                // Chaos: the message is "lost in transit" — its sequence number is used, so receivers see the gap
                // on this publisher's next message, exactly as with a real pub/sub loss.
                metrics.chaosDropped("l1-broadcast");
                return;
            }
            String message = publisherId
                    + '\t'
                    + s
                    + '\t'
                    + ackChannel
                    + '\t'
                    + op
                    + '\t'
                    + String.join(String.valueOf(SEP), items);
            pendingAcks.put(s, pending);
            try {
                receivers = redis.publish(channel, message);
            } catch (RuntimeException e) {
                pendingAcks.remove(s);
                throw new IllegalStateException("L1 eviction publish failed: " + e.getMessage(), e);
            }
        }
        try {
            // Without the ack subscription no acknowledgement can arrive: do not wait for nothing.
            if (!acks.isOpen() || !pending.await((int) receivers, ackTimeoutMillis)) {
                metrics.broadcastAckTimeout();
                LOG.debugf(
                        "L1 eviction %d: %d of %d acks within %d ms", s, pending.count(), receivers, ackTimeoutMillis);
            }
        } finally {
            pendingAcks.remove(s);
        }
    }

    private void onAck(String message) {
        PendingAck pending = pendingAcks.get(Long.parseLong(message));
        if (pending != null) {
            pending.ack();
        }
    }

    /** Chaos switch: the fraction (0..1) of eviction messages this publisher drops. */
    public void setDropRate(double rate) {
        this.dropRate = Math.max(0, Math.min(1, rate));
    }

    /** Test hook: pretends the next sequence number was used by a lost message. */
    void skipSequence() {
        seq.incrementAndGet();
    }

    @Override
    public void close() {
        retry.shutdownNow();
        acks.close();
    }

    private static final class PendingAck {
        private int acks;

        synchronized void ack() {
            acks++;
            notifyAll();
        }

        synchronized int count() {
            return acks;
        }

        synchronized boolean await(int expected, long timeoutMillis) {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (acks < expected) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(Math.max(1, left / 1_000_000L));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
