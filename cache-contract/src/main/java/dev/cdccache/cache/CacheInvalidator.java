package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;

/**
 * Invalidates keys in one region: L1 of this process first, then L2 (keys and their leases, pipelined), then the
 * region's L1 broadcast. Used by the services' write path after commit and by the CDC invalidator.
 *
 * <p>It never throws: a failed DEL or publish is counted and logged, and the CDC backstop (or the TTL) covers it.
 * The result says what happened so callers that must not lose an invalidation (the CDC invalidator) can retry.
 */
public final class CacheInvalidator {

    private static final Logger LOG = Logger.getLogger(CacheInvalidator.class);

    private final L1Cache l1;
    private final L2Store l2;
    private final Guard l2Guard;
    private final L1EvictionPublisher broadcast;
    private final CacheMetrics metrics;
    private final boolean clearMarkers;

    /** @param l1 this process's L1, evicted first; null in a process that has none (a CDC invalidator) */
    public CacheInvalidator(
            L1Cache l1, L2Store l2, Guard l2Guard, L1EvictionPublisher broadcast, CacheMetrics metrics) {
        this(l1, l2, l2Guard, broadcast, metrics, false);
    }

    /** @param clearMarkers also delete the keys' remote markers: the region's CDC invalidator, after its replica gate */
    public CacheInvalidator(
            L1Cache l1,
            L2Store l2,
            Guard l2Guard,
            L1EvictionPublisher broadcast,
            CacheMetrics metrics,
            boolean clearMarkers) {
        this.clearMarkers = clearMarkers;
        this.l1 = l1;
        this.l2 = l2;
        this.l2Guard = l2Guard;
        this.broadcast = broadcast;
        this.metrics = metrics;
    }

    /**
     * @param l2DoneAtMs epoch ms when the L2 DELs completed (or failed)
     * @param l1DoneAtMs epoch ms when the L1 eviction was published and acknowledged (or failed)
     */
    public record Result(boolean l2Deleted, boolean broadcastSent, long l2DoneAtMs, long l1DoneAtMs) {
        public boolean complete() {
            return l2Deleted && broadcastSent;
        }

        /**
         * What a write tells its client ({@code X-Cache-Invalidation}): {@code complete}, {@code partial} (one of
         * DEL and broadcast failed) or {@code deferred-to-cdc} (neither happened; the CDC backstop will do it).
         */
        public String outcome() {
            return complete() ? "complete" : (l2Deleted || broadcastSent) ? "partial" : "deferred-to-cdc";
        }
    }

    public Result invalidate(KeyMapper.Invalidation inv) {
        if (inv.isEmpty()) {
            long now = System.currentTimeMillis();
            return new Result(true, true, now, now);
        }
        Collection<String> keys = inv.keys();
        Collection<String> prefixes = inv.prefixes();
        if (l1 != null) {
            l1.evict(keys);
            l1.evictPrefixes(prefixes);
        }
        boolean deleted = true;
        try {
            l2Guard.call(() -> {
                l2.delete(keys);
                for (String prefix : prefixes) {
                    l2.deletePrefix(prefix, clearMarkers);
                }
                if (clearMarkers) {
                    // After the keys: a reader that finds no marker must already find no stale value either.
                    l2.clearMarkers(inv.markers());
                }
                return null;
            });
            metrics.delsDone(keys.size());
        } catch (Exception e) {
            deleted = false;
            metrics.delsFailed(Math.max(1, keys.size()));
            LOG.warnf("L2 DEL of %d keys failed (%s); CDC or TTL will cover them", keys.size(), e.getMessage());
        }
        long l2Done = System.currentTimeMillis();
        boolean sent = true;
        try {
            l2Guard.call(() -> {
                broadcast.publishKeys(keys);
                broadcast.publishPrefixes(List.copyOf(prefixes));
                return null;
            });
        } catch (Exception e) {
            sent = false;
            metrics.broadcastFailed();
            LOG.warnf("L1 eviction broadcast failed (%s); subscribers flush on the sequence gap", e.getMessage());
        }
        return new Result(deleted, sent, l2Done, System.currentTimeMillis());
    }
}
