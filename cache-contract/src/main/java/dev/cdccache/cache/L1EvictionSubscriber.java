package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The receiving half of a region's L1 eviction broadcast (channel {@code l1:evict:<region>}): what keeps a reader's
 * L1 honest. Pub/sub is at-most-once, so loss is detected rather than assumed away:
 * <ul>
 *   <li>every message carries its publisher's id and a sequence number; a gap flushes the whole L1;</li>
 *   <li>when the subscription connection drops, L1 is flushed and switched off until it is back (and flushed again
 *       on reconnect), because evictions cannot arrive meanwhile;</li>
 *   <li>a subscription that stalls without dropping (a blackholed connection: nothing flows, TCP does not notice
 *       for minutes) is caught by the pings below: none answered for a second flushes L1 and switches it off
 *       until a ping answers again;</li>
 *   <li>an eviction that is merely late (a GC pause, a stalled event loop, a half-open path) is bounded by the L1
 *       lease: every {@value #LEASE_PING_MS} ms a ping goes through the subscription ({@link
 *       RedisPort.Subscription#ping()}), and L1 may serve entries only until {@value #LEASE_MS} ms after the send
 *       time of the last ping answered. A ping is answered only after every message published before it was sent
 *       has been delivered. Hence: once a write has answered, no instance of the region serves the old value from L1
 *       for more than {@value #LEASE_MS} ms, acknowledged or not;</li>
 *   <li>L1 TTLs stay short, which bounds whatever slips through.</li>
 * </ul>
 * Each eviction is acknowledged on the publisher's ack channel ({@link L1EvictionPublisher}).
 */
public final class L1EvictionSubscriber implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(L1EvictionSubscriber.class);
    private static final long LIVENESS_TIMEOUT_MS = 1000;
    /** How long after a ping's send time its answer lets L1 serve; the bound on a late eviction. */
    public static final long LEASE_MS = 200;

    static final long LEASE_PING_MS = 50;

    private final RedisPort redis;
    private final L1Cache l1;
    private final CacheMetrics metrics;
    private final String channel;
    private final Map<String, Long> lastSeqByPublisher = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "l1-eviction-lease");
        t.setDaemon(true);
        return t;
    });
    private final LiveSubscription evictions;
    private boolean everSubscribed;
    private volatile boolean closed;
    private volatile boolean subscribed;
    private volatile boolean stalled;
    private volatile long lastLeaseUntil = System.nanoTime();
    private volatile boolean leaseLapsed;
    /** Send time of the newest ping the subscription answered. */
    private volatile long lastAnsweredPingNanos = System.nanoTime();

    private final AtomicInteger leasePingsOutstanding = new AtomicInteger();

    public L1EvictionSubscriber(RedisPort redis, String region, L1Cache l1, CacheMetrics metrics) {
        this.redis = redis;
        this.l1 = l1;
        this.metrics = metrics;
        this.channel = channelFor(region);
        this.evictions = new LiveSubscription(
                redis,
                List.of(channel),
                new LiveSubscription.Events() {
                    @Override
                    public void message(String ch, String message) {
                        onEviction(message);
                    }

                    @Override
                    public void live(long requestedAtNanos) {
                        // The SUBSCRIBE was answered down this connection: as good as an answered ping.
                        lastLeaseUntil = requestedAtNanos + TimeUnit.MILLISECONDS.toNanos(LEASE_MS);
                        l1.leaseUntil(lastLeaseUntil);
                        goLive(everSubscribed ? "resubscribed" : "subscribed");
                        everSubscribed = true;
                    }

                    @Override
                    public void lost() {
                        goDark("subscription-lost");
                    }
                },
                timer);
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
        evictions.start();
        timer.scheduleAtFixedRate(this::renewLease, 0, LEASE_PING_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * One ping through the subscription every {@value #LEASE_PING_MS} ms, the only proof that evictions can still
     * reach us. When it is answered, every eviction published before it was sent has been applied: L1 may serve until
     * {@value #LEASE_MS} ms after that send time. No answer for a ping sent within {@value #LIVENESS_TIMEOUT_MS} ms
     * flushes L1 and switches it off until a ping answers again.
     */
    private void renewLease() {
        RedisPort.Subscription sub = evictions.current();
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
                    "L1 eviction subscription on %s did not answer a ping within %d ms; L1 flushed and off",
                    channel, LIVENESS_TIMEOUT_MS);
        }
        if (leasePingsOutstanding.get() >= 20) {
            return; // a silent connection: do not pile up pings it will never answer
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

    /** Runs on the subscription's event loop, in order with the evictions that came before this answer. */
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

    public boolean isSubscribed() {
        return subscribed && evictions.isOpen();
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
        List<String> items =
                parts[4].isEmpty() ? List.of() : Arrays.asList(parts[4].split(String.valueOf(L1EvictionPublisher.SEP)));
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

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        evictions.close();
    }
}
