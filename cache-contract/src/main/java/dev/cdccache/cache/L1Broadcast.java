package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The per-region L1 eviction broadcast over Redis pub/sub (channel {@code l1:evict:<region>}).
 *
 * <p>Pub/sub is at-most-once, so loss is detected rather than assumed away:
 * <ul>
 *   <li>every message carries its publisher's id and a sequence number; a gap flushes the whole L1;</li>
 *   <li>when the subscription connection drops, L1 is flushed and switched off until it is back (and flushed again
 *       on reconnect), because evictions cannot arrive meanwhile;</li>
 *   <li>a subscription that stalls without dropping (a blackholed connection: nothing flows, TCP does not notice
 *       for minutes) is caught by the PINGs below: none answered for a second flushes L1 and switches it off
 *       until a PING answers again;</li>
 *   <li>an eviction that is merely late (a GC pause, a stalled event loop, a half-open path) is bounded by the L1
 *       lease: every {@value #LEASE_PING_MS} ms a PING goes down the subscription connection, and L1 may serve
 *       entries only until {@value #LEASE_MS} ms after the send time of the last PING answered. Redis answers on
 *       that connection in order, so a PONG for a PING sent after a PUBLISH was processed arrives after its
 *       eviction. Hence: once a write has answered, no instance of the region serves the old value from L1 for
 *       more than {@value #LEASE_MS} ms, acknowledged or not;</li>
 *   <li>L1 TTLs stay short, which bounds whatever slips through.</li>
 * </ul>
 * Several keys travel in one message. The publisher waits (bounded) for an acknowledgement from every subscriber
 * that received the message, so when a write answers, every reachable instance of the region has already evicted.
 * Wire format: {@code publisherId \t seq \t ackChannel \t op \t key\u001fkey...} where op is {@code K} (keys),
 * {@code P} (prefixes); any other op flushes everything.
 */
public final class L1Broadcast implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(L1Broadcast.class);
    private static final char SEP = '\u001f';
    private static final long LIVENESS_TIMEOUT_MS = 1000;
    /** How long after a PING's send time its PONG lets L1 serve; the bound on a late eviction. */
    public static final long LEASE_MS = 200;

    static final long LEASE_PING_MS = 50;

    private final RedisPort redis;
    private final L1Cache l1;
    private final CacheMetrics metrics;
    private final String channel;
    private final String publisherId = UUID.randomUUID().toString();
    private final String ackChannel;
    private final long ackTimeoutMillis;
    private final AtomicLong seq = new AtomicLong();
    private final Object publishOrder = new Object();
    private final Map<String, Long> lastSeqByPublisher = new ConcurrentHashMap<>();
    private final Map<Long, PendingAck> pendingAcks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l1-broadcast-retry");
        t.setDaemon(true);
        return t;
    });
    private final AtomicReference<RedisPort.Subscription> subscription = new AtomicReference<>();
    private final Object subscribing = new Object();
    private boolean everSubscribed;
    private volatile double dropRate;
    private volatile boolean closed;
    private volatile boolean subscribed;
    private volatile boolean stalled;
    private volatile long lastLeaseUntil = System.nanoTime();
    private volatile boolean leaseLapsed;
    /** Send time of the newest PING the subscription answered. */
    private volatile long lastAnsweredPingNanos = System.nanoTime();

    private final AtomicInteger leasePingsOutstanding = new AtomicInteger();

    public L1Broadcast(RedisPort redis, String region, L1Cache l1, CacheMetrics metrics, long ackTimeoutMillis) {
        this.redis = redis;
        this.l1 = l1;
        this.metrics = metrics;
        this.channel = channelFor(region);
        this.ackChannel = "l1:ack:" + publisherId;
        this.ackTimeoutMillis = ackTimeoutMillis;
    }

    public static String channelFor(String region) {
        return "l1:evict:" + region;
    }

    /**
     * Subscribes. If Redis is unreachable now, L1 stays off and flushed, and the subscription is retried every second;
     * L1 turns on once it is live.
     */
    public void start() {
        l1.setEnabled(false);
        trySubscribe();
        retry.scheduleAtFixedRate(this::renewLease, 0, LEASE_PING_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * One PING on the subscription connection every {@value #LEASE_PING_MS} ms, the only proof that evictions can
     * still reach us. Its PONG comes after every message Redis sent before it, so when it arrives every eviction
     * published before the PING was sent has been applied: L1 may serve until {@value #LEASE_MS} ms after that send
     * time. No PONG for a PING sent within {@value #LIVENESS_TIMEOUT_MS} ms (a blackholed connection: nothing flows,
     * TCP does not notice for minutes) flushes L1 and switches it off until a PING answers again.
     */
    private void renewLease() {
        RedisPort.Subscription sub = subscription.get();
        if (sub == null || closed || !sub.isOpen()) {
            return;
        }
        long sentAt = System.nanoTime();
        if (!leaseLapsed && sentAt - lastLeaseUntil > 0) {
            leaseLapsed = true;
            metrics.l1LeaseLapsed();
        }
        if (!stalled && sentAt - lastAnsweredPingNanos > TimeUnit.MILLISECONDS.toNanos(LIVENESS_TIMEOUT_MS)) {
            stalled = true;
            goDark("subscription-stalled");
            LOG.warnf(
                    "L1 eviction subscription on %s did not answer a PING within %d ms; L1 flushed and off",
                    channel, LIVENESS_TIMEOUT_MS);
        }
        if (leasePingsOutstanding.get() >= 20) {
            return; // a silent connection: do not pile up PINGs it will never answer
        }
        try {
            leasePingsOutstanding.incrementAndGet();
            sub.ping().whenComplete((pong, error) -> {
                leasePingsOutstanding.decrementAndGet();
                if (error == null) {
                    answered(sentAt);
                }
            });
        } catch (RuntimeException e) {
            // not connected: the lease runs out on its own
        }
    }

    /** Runs on the connection's event loop, in order with the evictions that came before this PONG. */
    private void answered(long sentAt) {
        if (sentAt - lastAnsweredPingNanos > 0) {
            lastAnsweredPingNanos = sentAt;
        }
        long until = sentAt + TimeUnit.MILLISECONDS.toNanos(LEASE_MS);
        if (until - lastLeaseUntil > 0) {
            lastLeaseUntil = until;
            leaseLapsed = false;
            l1.leaseUntil(until);
        }
        if (stalled) {
            goLive("liveness-restored");
            LOG.infof("L1 eviction subscription on %s answers again; L1 re-enabled", channel);
        }
    }

    /** Evictions can arrive again, but those sent meanwhile are lost: start from an empty L1. */
    private void goLive(String reason) {
        lastAnsweredPingNanos = System.nanoTime(); // a fresh connection gets a full liveness timeout
        l1.flush(reason);
        lastSeqByPublisher.clear();
        stalled = false;
        subscribed = true;
        l1.setEnabled(true);
    }

    /** No eviction can reach us: L1 may not be read, filled or trusted. */
    private void goDark(String reason) {
        subscribed = false;
        l1.setEnabled(false);
        l1.flush(reason);
    }

    private void trySubscribe() {
        synchronized (subscribing) {
            if (subscription.get() != null || closed) {
                return;
            }
            try {
                Listener listener = new Listener();
                long sentAt = System.nanoTime();
                RedisPort.Subscription s = redis.subscribe(List.of(channel, ackChannel), listener);
                listener.owner = s;
                subscription.set(s);
                if (!s.isOpen() && subscription.compareAndSet(s, null)) {
                    throw new IllegalStateException("the subscription connection closed at once");
                }
                // The SUBSCRIBE was answered down this connection: as good as a PONG.
                lastLeaseUntil = sentAt + TimeUnit.MILLISECONDS.toNanos(LEASE_MS);
                l1.leaseUntil(lastLeaseUntil);
                goLive(everSubscribed ? "resubscribed" : "subscribed");
                everSubscribed = true;
            } catch (RuntimeException e) {
                LOG.warnf(
                        "L1 eviction subscription to %s not established (%s); L1 stays off, retrying",
                        channel, e.getMessage());
                scheduleSubscribe();
            }
        }
    }

    private void scheduleSubscribe() {
        if (!closed) {
            retry.schedule(this::trySubscribe, 1, TimeUnit.SECONDS);
        }
    }

    /** Routes one subscription's messages; its end takes L1 dark until a new subscription is live. */
    private final class Listener implements RedisPort.SubscriptionListener {
        volatile RedisPort.Subscription owner;

        @Override
        public void message(String ch, String message) {
            if (ch.equals(channel)) {
                onEviction(message);
            } else if (ch.equals(ackChannel)) {
                onAck(message);
            }
        }

        @Override
        public void ended(Throwable cause) {
            RedisPort.Subscription s = owner;
            if (s != null && subscription.compareAndSet(s, null)) {
                goDark("subscription-lost");
                LOG.warnf("L1 eviction subscription on %s lost; L1 flushed and off until it is back", channel);
                scheduleSubscribe();
            }
        }
    }

    public boolean isSubscribed() {
        RedisPort.Subscription s = subscription.get();
        return subscribed && s != null && s.isOpen();
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
     * <p>The sequence number is taken and the PUBLISH queued on the one command connection under a lock, so messages
     * leave in sequence order whatever the writers' concurrency: receivers treat a gap as a loss and flush their
     * whole L1. Only the wait for acknowledgements runs outside the lock.
     */
    private void publish(char op, Collection<String> items) {
        long s;
        PendingAck pending = new PendingAck();
        long receivers;
        synchronized (publishOrder) {
            s = seq.incrementAndGet();
            if (dropRate > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < dropRate) {
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
                // Answered before the next publisher goes: the client's connections are pooled, and only one
                // message in flight at a time keeps the sequence order on the wire.
                receivers = redis.publish(channel, message);
            } catch (RuntimeException e) {
                pendingAcks.remove(s);
                throw new IllegalStateException("L1 eviction publish failed: " + e.getMessage(), e);
            }
        }
        try {
            if (!pending.await((int) receivers, ackTimeoutMillis)) {
                metrics.broadcastAckTimeout();
                LOG.debugf(
                        "L1 eviction %d: %d of %d acks within %d ms", s, pending.count(), receivers, ackTimeoutMillis);
            }
        } finally {
            pendingAcks.remove(s);
        }
    }

    private void onEviction(String message) {
        String[] parts = message.split("\t", 5);
        if (parts.length < 5) {
            LOG.warnf("malformed L1 eviction on %s; flushing L1", channel);
            l1.flush("malformed");
            return;
        }
        String publisher = parts[0];
        long s = Long.parseLong(parts[1]);
        Long previous = lastSeqByPublisher.put(publisher, s);
        List<String> items = parts[4].isEmpty() ? List.of() : Arrays.asList(parts[4].split(String.valueOf(SEP)));
        switch (parts[3]) {
            case "K" -> l1.evict(items);
            case "P" -> l1.evictPrefixes(items);
            default -> l1.flush("requested");
        }
        metrics.evictionsReceived(items.size());
        if (previous != null && s != previous + 1) {
            // A message of this publisher was lost (or reordered): whatever it evicted may still be here.
            l1.flush("sequence-gap");
        }
        // Async: this runs on the connection's event loop, where a blocking call would deadlock.
        redis.publishAsync(parts[2], Long.toString(s));
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
    public synchronized void close() {
        closed = true;
        retry.shutdownNow();
        RedisPort.Subscription s = subscription.getAndSet(null);
        if (s != null) {
            s.close();
        }
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
