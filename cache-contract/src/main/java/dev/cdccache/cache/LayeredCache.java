package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The read path: L1 (in process) → L2 (the region's Redis, lease-guarded) → the loader (PostgreSQL).
 *
 * <p>{@link #getIfPresentL1(String, Loader)} never blocks and is meant for the event loop. {@link #get} blocks
 * (Redis, JDBC) and runs on a worker thread. Concurrent misses of one key in a process share one load; concurrent misses across
 * processes of a region share one database read through the L2 lease. When Redis is unavailable reads go straight
 * to the loader, which the caller guards with a concurrency limit.
 */
public final class LayeredCache {

    private static final Logger LOG = Logger.getLogger(LayeredCache.class);

    private final L1Cache l1;
    private final L2Store l2;
    private final Guard l2Guard;
    private final Guard dbGuard;
    private final Map<DataClass, StalenessPolicy> policies;
    private final CacheMetrics metrics;
    private final LeaseSettings lease;
    private final ConsistencySampler sampler;
    private final HotKeys hotKeys;
    /** Mean database load time per data class (µs, EWMA): XFetch's δ. */
    private final AtomicLongArray loadMicros = new AtomicLongArray(DataClass.values().length);

    private final Set<String> refreshing = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor refresher;
    private volatile FillHook fillHook = FillHook.NONE;

    /**
     * @param ttlMillis        how long a lease lives if its holder dies before filling
     * @param maxWaitMillis    how long a reader waits for another's fill before reading the database itself
     * @param pollMillis       how often a waiting reader looks again
     * @param earlyRefreshBeta XFetch's β: how eagerly a hit near its expiry triggers one reader's early refresh
     *                         (0 turns early refresh off; 1 is the paper's optimum)
     */
    public record LeaseSettings(long ttlMillis, long maxWaitMillis, long pollMillis, double earlyRefreshBeta) {
        public static final LeaseSettings DEFAULT = new LeaseSettings(2000, 1500, 5);

        public LeaseSettings(long ttlMillis, long maxWaitMillis, long pollMillis) {
            this(ttlMillis, maxWaitMillis, pollMillis, 1.0);
        }
    }

    public LayeredCache(
            L1Cache l1,
            L2Store l2,
            Guard l2Guard,
            Guard dbGuard,
            Map<DataClass, StalenessPolicy> policies,
            LeaseSettings lease,
            CacheMetrics metrics,
            ConsistencySampler.Settings sampling,
            HotKeys hotKeys) {
        this.hotKeys = hotKeys;
        this.l1 = l1;
        this.l2 = l2;
        this.l2Guard = l2Guard;
        this.dbGuard = dbGuard;
        this.policies = Map.copyOf(policies);
        this.lease = lease;
        this.metrics = metrics;
        this.sampler = new ConsistencySampler(
                sampling,
                Map.of(CachedValue.Source.L1, l1::peek, CachedValue.Source.L2, l2::peek),
                l2::recordL1Version,
                dbGuard,
                metrics);
        // One thread, a short queue: early refreshes are an optimisation; when they cannot keep up, expiry (and the
        // lease) still bound the load.
        this.refresher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(256), r -> {
            Thread t = new Thread(r, "early-refresh-" + metrics.region());
            t.setDaemon(true);
            return t;
        });
    }

    /** An L1 hit, or null; never blocks. A sampled hit is checked against the primary later ({@code loader}). */
    public CachedValue getIfPresentL1(String key, Loader loader) {
        hotKeys.record(key);
        DataClass dc = CacheKeys.dataClassOf(key);
        CachedValue v = l1Value(key, dc);
        if (v != null) {
            countL1Hit(key, dc, v, loader);
        }
        return v;
    }

    /**
     * The positive L1 value of {@code key}, counted as an L1 hit (metrics, hot keys, correctness sample); otherwise
     * null, counting nothing, so that the caller's fall-back to {@link #getIfPresentL1} and {@link #get} counts the
     * read once. For a fast path that can only present a hit.
     */
    public CachedValue l1Hit(String key, Loader loader) {
        DataClass dc = CacheKeys.dataClassOf(key);
        CachedValue v = l1Value(key, dc);
        if (v == null || v.isNegative()) {
            return null;
        }
        hotKeys.record(key);
        countL1Hit(key, dc, v, loader);
        return v;
    }

    private CachedValue l1Value(String key, DataClass dc) {
        return policy(dc).l1Enabled() ? l1.getIfPresent(key) : null;
    }

    private void countL1Hit(String key, DataClass dc, CachedValue v, Loader loader) {
        metrics.hit(CachedValue.Source.L1, dc);
        sampler.hit(key, v, loader);
    }

    public ConsistencySampler sampler() {
        return sampler;
    }

    public HotKeys hotKeys() {
        return hotKeys;
    }

    void close() {
        refresher.shutdownNow();
        sampler.close();
        hotKeys.close();
    }

    /**
     * Non-blocking: the shared result of a load of {@code key} already running in this process, or null. Lets a
     * caller on the event loop wait for it without holding a worker thread.
     */
    public CompletableFuture<CachedValue> inFlight(String key) {
        return l1.inFlight(key);
    }

    public CachedValue get(String key, Loader loader) throws Exception {
        return get(key, loader, () -> {});
    }

    /**
     * As {@link #get(String, Loader)}; {@code admission} runs only for the request that will load the key in this
     * process (after concurrent misses of the key were coalesced), and may refuse it by throwing
     * {@link AdmissionRefused}: a stampede of one key costs one admission per process, not one per request. A
     * request that joined a refused load asks its own admission and loads (or is refused) itself.
     */
    public CachedValue get(String key, Loader loader, Runnable admission) throws Exception {
        CachedValue hit = getIfPresentL1(key, loader);
        if (hit != null) {
            return hit;
        }
        L1Cache.Registration reg = l1.beginLoad(key);
        if (!reg.owner()) {
            try {
                return join(reg);
            } catch (AdmissionRefused refusedToAnother) {
                // The load this read joined was its owner's client's, refused: ask this read's own admission (or
                // join a load another request started meanwhile, whose answer then stands).
                reg = l1.beginLoad(key);
                if (!reg.owner()) {
                    return join(reg);
                }
            }
        }
        try {
            admission.run();
            l1.awaitTurn(key, reg.load(), lease.maxWaitMillis());
            Fetched fetched = fetch(key, loader);
            DataClass dc = CacheKeys.dataClassOf(key);
            if (fetched.value.source() == CachedValue.Source.DB) {
                metrics.hit(CachedValue.Source.DB, dc);
            }
            long l1Ttl = policy(dc).l1Enabled() && fetched.l1Allowed
                    ? policy(dc).l1TtlMillis(fetched.value.isNegative(), fetched.l2RemainingMillis)
                    : 0;
            l1.completeLoad(key, reg.load(), fetched.value, l1Ttl);
            return fetched.value;
        } catch (Exception | Error e) {
            l1.failLoad(key, reg.load(), e);
            throw e;
        }
    }

    /** The result of a load of this process already in flight. */
    private static CachedValue join(L1Cache.Registration reg) throws Exception {
        try {
            return reg.load().result().get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    private record Fetched(CachedValue value, long l2RemainingMillis, boolean l1Allowed) {}

    private Fetched fetch(String key, Loader loader) throws Exception {
        DataClass dc = CacheKeys.dataClassOf(key);
        StalenessPolicy policy = policy(dc);
        String token = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + lease.maxWaitMillis() * 1_000_000L;
        boolean waited = false;
        long grace = policy.staleGraceMillis();
        L2Store.Stale stale = null; // a value past its TTL, within its grace: served only if the database fails
        while (true) {
            L2Store.Lookup lookup;
            try {
                lookup = l2Guard.call(() -> l2.getOrLease(key, token, lease.ttlMillis(), grace));
            } catch (Exception e) {
                // L2 unavailable (timeout, circuit open, connection refused): the database answers, guarded by
                // the database limit. Nothing is cached: with Redis gone no eviction could reach us either.
                metrics.l2Unavailable("read", l2Guard.failureCause(e));
                LOG.debugf("L2 read of %s failed (%s); reading the database", key, e.getMessage());
                return new Fetched(loadFromDb(key, loader, dc), -1, false);
            }
            if (lookup instanceof L2Store.Marked) {
                // A write made in this region may not be on its replica yet: the primary answers, and the value is
                // cached nowhere (the region's invalidator clears the marker once the replica has the change).
                metrics.markerRead(dc);
                Loader.Loaded primary = dbGuard.call(() -> {
                    metrics.dbLoad(dc);
                    return loader.loadFromPrimary(key);
                });
                CachedValue v = primary == null
                        ? CachedValue.negative(CachedValue.Source.DB)
                        : new CachedValue(primary.payload(), primary.version(), CachedValue.Source.DB);
                return new Fetched(v, -1, false);
            }
            if (lookup instanceof L2Store.Hit h) {
                metrics.hit(CachedValue.Source.L2, dc);
                sampler.hit(key, h.value(), loader);
                if (dueForEarlyRefresh(dc, policy, h.remainingMillis())) {
                    refreshEarly(key, loader, dc, policy, grace);
                }
                return new Fetched(h.value(), h.remainingMillis(), true);
            }
            if (lookup instanceof L2Store.LeaseGranted g) {
                stale = g.stale() != null ? g.stale() : stale;
                CachedValue loaded;
                try {
                    loaded = loadFromDb(key, loader, dc);
                } catch (SourceUnavailable e) {
                    releaseLease(key, token);
                    return servedStale(stale, dc, e);
                } catch (Exception | Error e) {
                    releaseLease(key, token);
                    throw e;
                }
                fillHook.beforeFill(key);
                long ttl = policy.l2TtlMillis(loaded.isNegative());
                long kept = ttl + grace; // in Redis: fresh for ttl, then kept for the degraded mode
                boolean written;
                try {
                    written = l2Guard.call(() -> l2.fill(key, token, loaded, kept));
                } catch (Exception e) {
                    metrics.l2Unavailable("fill", l2Guard.failureCause(e));
                    return new Fetched(loaded, -1, false);
                }
                if (!written) {
                    // An invalidation overtook this read: the value may be stale, so it is served to this
                    // reader only (it started before the write answered) and cached nowhere.
                    metrics.fillRejected(dc);
                    return new Fetched(loaded, -1, false);
                }
                return new Fetched(loaded, ttl, true);
            }
            if (lookup instanceof L2Store.LeaseHeld h && h.stale() != null) {
                stale = h.stale();
            }
            if (!waited) {
                metrics.leaseWait(dc);
                waited = true;
            }
            if (System.nanoTime() > deadline) {
                metrics.leaseWaitTimeout(dc);
                try {
                    return new Fetched(loadFromDb(key, loader, dc), -1, false);
                } catch (SourceUnavailable e) {
                    return servedStale(stale, dc, e);
                }
            }
            Thread.sleep(lease.pollMillis()); // another reader holds the lease: look again shortly, bounded by deadline
        }
    }

    /**
     * The degraded mode of a data class with a grace period: the database could not answer, so the last L2 value,
     * past its TTL but not invalidated (an invalidation deletes it), is served marked {@code L2-STALE}, and cached
     * nowhere. Without one (prices, or nothing kept) the failure stands: the caller answers 503.
     */
    private Fetched servedStale(L2Store.Stale stale, DataClass dc, SourceUnavailable failure) {
        if (stale == null) {
            throw failure;
        }
        metrics.hit(CachedValue.Source.L2_STALE, dc);
        return new Fetched(stale.value().stale(stale.staleForMillis()), -1, false);
    }

    /**
     * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015) — refresh when {@code remaining < δ·β·(−ln U)} — with two
     * adaptations. δ is the class's mean load time plus its L1 TTL: behind L1 a key's L2 is read about once per L1 TTL
     * per process, not on every request. And a floor of 2δ: a window that narrow is certain to contain one such read,
     * so a key still being read is refreshed before it expires, not just probably.
     */
    private boolean dueForEarlyRefresh(DataClass dc, StalenessPolicy policy, long remainingMillis) {
        double beta = lease.earlyRefreshBeta();
        if (beta <= 0 || remainingMillis < 0) {
            return false;
        }
        double delta = loadMicros.get(dc.ordinal()) / 1000.0 + policy.l1Ttl().toMillis();
        double u = ThreadLocalRandom.current().nextDouble();
        return remainingMillis < delta * (2 + beta * -Math.log(u == 0 ? Double.MIN_VALUE : u));
    }

    /** One reader reloads the key under its lease in the background; readers keep hitting the current value. */
    private void refreshEarly(String key, Loader loader, DataClass dc, StalenessPolicy policy, long grace) {
        if (!refreshing.add(key)) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    metrics.earlyRefresh(dc, refreshOnce(key, loader, dc, policy, grace));
                } finally {
                    refreshing.remove(key);
                }
            });
        } catch (RejectedExecutionException full) {
            refreshing.remove(key);
            metrics.earlyRefresh(dc, "dropped");
        }
    }

    private String refreshOnce(String key, Loader loader, DataClass dc, StalenessPolicy policy, long grace) {
        String token = UUID.randomUUID().toString();
        try {
            if (!l2Guard.call(() -> l2.leaseIfPresent(key, token, lease.ttlMillis()))) {
                return "lease-held"; // another reader refreshes it, or it went (invalidated, expired, marked)
            }
        } catch (Exception e) {
            return "failed";
        }
        CachedValue loaded;
        try {
            loaded = loadFromDb(key, loader, dc);
        } catch (Exception e) {
            releaseLease(key, token);
            return "failed";
        }
        long kept = policy.l2TtlMillis(loaded.isNegative()) + grace;
        try {
            return l2Guard.call(() -> l2.fill(key, token, loaded, kept)) ? "refreshed" : "rejected";
        } catch (Exception e) {
            return "failed";
        }
    }

    private void releaseLease(String key, String token) {
        try {
            l2Guard.call(() -> {
                l2.releaseLease(key, token);
                return null;
            });
        } catch (Exception e) {
            // The lease then expires on its own (its TTL bounds the wait of other readers).
            LOG.debugf("releasing the lease of %s failed (%s)", key, e.getMessage());
        }
    }

    private CachedValue loadFromDb(String key, Loader loader, DataClass dc) throws Exception {
        Loader.Loaded loaded = dbGuard.call(() -> {
            metrics.dbLoad(dc);
            long start = System.nanoTime();
            Loader.Loaded l = loader.load(key);
            long micros = (System.nanoTime() - start) / 1000;
            loadMicros.getAndUpdate(dc.ordinal(), old -> old == 0 ? micros : (7 * old + micros) / 8);
            return l;
        });
        return loaded == null
                ? CachedValue.negative(CachedValue.Source.DB)
                : new CachedValue(loaded.payload(), loaded.version(), CachedValue.Source.DB);
    }

    public StalenessPolicy policy(DataClass dc) {
        return policies.getOrDefault(dc, dc.defaults());
    }

    void setFillHook(FillHook hook) {
        this.fillHook = hook == null ? FillHook.NONE : hook;
    }

    private static Exception rethrow(Throwable t) {
        if (t instanceof Exception e) {
            return e;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException(t);
    }
}
