package dev.cdccache.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The in-process cache (Caffeine, size-bounded, per-entry expiry) plus the registry of loads in flight.
 *
 * <p>The registry does two jobs. It coalesces concurrent misses of one key in this process into one load. And it
 * lets an eviction that arrives while a value is loading win: the eviction marks the load invalidated and removes
 * it from the registry (readers arriving later start a fresh load instead of joining a stale one), and the loader
 * then does not keep its value. The check is done after the put as well as before it, so an eviction that lands
 * between the two still removes the entry.
 *
 * <p>While the L1 lease has lapsed, a load already reading cannot be joined (a reader cannot know whether an
 * eviction it was not told about should have cancelled it). Readers of a key instead queue into one load that has not
 * begun reading yet, and that load begins only when the key's previous one has finished ({@link #awaitTurn}): every
 * reader it answers arrived before its first Redis call, so its answer is as fresh as the reader's own call would
 * have been, and a lapse costs one Redis read per key at a time instead of one per reader (a hot key's 64 readers
 * at once queued on the connection pool past the L2 timeout). Such loads are registered apart, so that an eviction
 * applied while one runs keeps its value out of L1 as well: the next answered ping renews the lease, and the value
 * must not be served then.
 */
public final class L1Cache {

    private record Entry(CachedValue value, long expiresAtNanos) {}

    /** One load in flight; {@code invalidated} is set by an eviction or flush that overtook it. */
    public static final class Load {
        final CompletableFuture<CachedValue> result = new CompletableFuture<>();
        volatile boolean invalidated;
        /** Begun while the lease had lapsed: joinable only until it seals, just before its first Redis call. */
        private final boolean unshared;

        private boolean sealed;

        Load() {
            this(false);
        }

        private Load(boolean unshared) {
            this.unshared = unshared;
        }

        private synchronized boolean tryJoin() {
            return !sealed;
        }

        private synchronized void seal() {
            sealed = true;
        }

        public CompletableFuture<CachedValue> result() {
            return result;
        }
    }

    private final Cache<String, Entry> cache;
    private final Map<String, Load> inFlight = new ConcurrentHashMap<>();
    /** Loads begun while the lease had lapsed: joined only before they read, overtaken by evictions like the others. */
    private final Map<String, Set<Load>> unshared = new ConcurrentHashMap<>();
    /** Per key, the lapse-time load readers may still join (it waits for its turn to read). */
    private final Map<String, Load> queued = new ConcurrentHashMap<>();
    /** Per key, the lapse-time load reading now: the next one begins when it has finished. */
    private final Map<String, Load> reading = new ConcurrentHashMap<>();

    private final CacheMetrics metrics;
    private volatile boolean enabled = true;
    /** System.nanoTime() until which entries may be served: the eviction subscription's liveness lease. */
    private volatile long servableUntilNanos = System.nanoTime();

    public L1Cache(long maximumSize, CacheMetrics metrics) {
        this.metrics = metrics;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(new Expiry<String, Entry>() {
                    @Override
                    public long expireAfterCreate(String key, Entry e, long now) {
                        return Math.max(0, e.expiresAtNanos - now);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry e, long now, long current) {
                        return Math.max(0, e.expiresAtNanos - now);
                    }

                    @Override
                    public long expireAfterRead(String key, Entry e, long now, long current) {
                        return current;
                    }
                })
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(metrics.registry(), cache, "l1", "region", metrics.region());
    }

    /**
     * Whether entries may be served now: enabled, and the eviction subscription proved recently that it delivers
     * (see {@link L1EvictionSubscriber}). An instance that cannot prove it answers from L2 instead of serving what an
     * undelivered eviction should have removed.
     */
    public boolean servable() {
        return enabled && System.nanoTime() - servableUntilNanos < 0;
    }

    /** Called in order of the subscription's PONGs: entries may be served until {@code untilNanos}. */
    public void leaseUntil(long untilNanos) {
        servableUntilNanos = untilNanos;
    }

    /** Non-blocking: safe on the event loop. */
    public CachedValue getIfPresent(String key) {
        if (!servable()) {
            return null;
        }
        Entry e = cache.getIfPresent(key);
        return e == null ? null : e.value;
    }

    /**
     * What this process would serve for {@code key} now, without touching Caffeine's statistics or recency (the
     * consistency sampler's look).
     */
    public CachedValue peek(String key) {
        if (!servable()) {
            return null;
        }
        Entry e = cache.policy().getIfPresentQuietly(key);
        return e == null || e.expiresAtNanos - System.nanoTime() <= 0 ? null : e.value;
    }

    /**
     * Registers a load of {@code key}, or returns the one already in flight ({@code owner=false}): the caller then
     * waits on its result instead of loading.
     */
    public Registration beginLoad(String key) {
        if (!servable()) {
            // A load already reading may be one an undelivered eviction should have cancelled: join only one that
            // has not begun reading.
            Load mine = new Load(true);
            Load[] joined = new Load[1];
            queued.compute(key, (k, waiting) -> {
                if (waiting != null && waiting.tryJoin()) {
                    joined[0] = waiting;
                    return waiting;
                }
                return mine;
            });
            if (joined[0] != null) {
                return new Registration(joined[0], false);
            }
            unshared.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(mine);
            return new Registration(mine, true);
        }
        Load mine = new Load();
        Load existing = inFlight.putIfAbsent(key, mine);
        return existing == null ? new Registration(mine, true) : new Registration(existing, false);
    }

    /**
     * Called by a load's owner just before its first Redis call. For a load begun while the lease had lapsed: waits
     * (at most {@code maxWaitMillis}) until the key's previous such load has finished, letting readers join this one
     * meanwhile, then closes it to joiners. No-op for any other load.
     */
    public void awaitTurn(String key, Load load, long maxWaitMillis) throws InterruptedException {
        if (!load.unshared) {
            return;
        }
        Load previous = reading.get(key);
        if (previous != null && previous != load) {
            try {
                previous.result.get(maxWaitMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Its outcome is its readers'; this load reads for its own.
            }
        }
        load.seal();
        queued.remove(key, load);
        reading.put(key, load);
    }

    public record Registration(Load load, boolean owner) {}

    /** The result of a load of {@code key} already in flight in this process, or null. Non-blocking. */
    public CompletableFuture<CachedValue> inFlight(String key) {
        if (!servable()) {
            return null;
        }
        Load load = inFlight.get(key);
        return load == null ? null : load.result;
    }

    /** Keeps the loaded value unless an eviction overtook the load; always completes and unregisters the load. */
    public void completeLoad(String key, Load load, CachedValue value, long ttlMillis) {
        try {
            if (enabled && ttlMillis > 0 && !load.invalidated) {
                // Stored as an L1 answer once, rather than re-labelled on every hit.
                cache.put(
                        key,
                        new Entry(
                                value.from(CachedValue.Source.L1),
                                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ttlMillis)));
                if (load.invalidated || !enabled) {
                    cache.invalidate(key);
                    metrics.l1FillRejected();
                }
            } else if (load.invalidated) {
                metrics.l1FillRejected();
            }
        } finally {
            unregister(key, load);
            load.result.complete(value);
        }
    }

    public void failLoad(String key, Load load, Throwable error) {
        unregister(key, load);
        load.result.completeExceptionally(error);
    }

    private void unregister(String key, Load load) {
        inFlight.remove(key, load);
        if (load.unshared) {
            load.seal(); // a load that failed before its turn (admission refused) takes no more readers
            queued.remove(key, load);
            reading.remove(key, load);
        }
        unshared.computeIfPresent(key, (k, loads) -> {
            loads.remove(load);
            return loads.isEmpty() ? null : loads;
        });
    }

    public void evict(Collection<String> keys) {
        for (String key : keys) {
            Load load = inFlight.remove(key);
            if (load != null) {
                load.invalidated = true;
            }
            Set<Load> loads = unshared.get(key);
            if (loads != null) {
                loads.forEach(l -> l.invalidated = true);
            }
            cache.invalidate(key);
        }
    }

    public void evictPrefixes(Collection<String> prefixes) {
        if (prefixes.isEmpty()) {
            return;
        }
        inFlight.forEach((key, load) -> {
            if (prefixes.stream().anyMatch(key::startsWith)) {
                load.invalidated = true;
                inFlight.remove(key, load);
            }
        });
        unshared.forEach((key, loads) -> {
            if (prefixes.stream().anyMatch(key::startsWith)) {
                loads.forEach(l -> l.invalidated = true);
            }
        });
        cache.asMap().keySet().removeIf(key -> prefixes.stream().anyMatch(key::startsWith));
    }

    /** Drops everything, including loads in flight; used when evictions may have been missed. */
    public void flush(String reason) {
        inFlight.forEach((key, load) -> {
            load.invalidated = true;
            inFlight.remove(key, load);
        });
        unshared.values().forEach(loads -> loads.forEach(l -> l.invalidated = true));
        cache.invalidateAll();
        metrics.l1Flush(reason);
    }

    /** While the eviction subscription is down no eviction can arrive, so L1 is neither read nor filled. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isEnabled() {
        return enabled;
    }
}
