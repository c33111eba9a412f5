package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures cache correctness in production, as Meta's Polaris does: a fraction of cache hits is re-checked against
 * the source of truth once the data class's staleness budget has passed, so invalidations still in flight are not
 * counted.
 *
 * <p>A check looks at what the tier that answered holds <em>now</em> (L1 of this process, or the region's Redis) and
 * at the primary. An entry that is gone or carries the primary's version is consistent. One that is older than the
 * primary is only a suspect: the write may have committed just before the check. It is looked at again one budget
 * later; if the same old version is still there while the primary is newer, the entry has been stale for longer
 * than the budget — an inconsistency — and it is followed until it goes, to measure how long it lasted (at most
 * {@value #MAX_FOLLOW_UPS} more budgets). Checks run on one background thread, rate-limited, through the
 * database guard: sampling can never take the database from readers.
 */
public final class ConsistencySampler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ConsistencySampler.class);
    static final int MAX_FOLLOW_UPS = 30;
    private static final int MAX_PENDING = 10_000;

    /**
     * @param rate                fraction of L1 and L2 hits sampled (0 disables, 1 samples every hit)
     * @param maxChecksPerSecond  ceiling on checks started per second (each reads the primary once)
     * @param budgets             staleness budget per data class: how long after a write a hit may still be old
     * @param window              the window of the "consistency nines" gauge
     */
    public record Settings(double rate, int maxChecksPerSecond, Map<DataClass, Duration> budgets, Duration window) {

        public static final Settings OFF = new Settings(0, 0, Map.of(), Duration.ofMinutes(5));

        public Settings {
            if (rate < 0 || rate > 1) {
                throw new IllegalArgumentException("rate must be within 0..1");
            }
            budgets = Map.copyOf(budgets);
        }

        long budgetMillis(DataClass dc) {
            return budgets.getOrDefault(dc, Duration.ofSeconds(2)).toMillis();
        }
    }

    /** Reads what a tier holds for a key now, without side effects (no metrics, no lease, no refresh). */
    interface Peek {
        CachedValue peek(String key) throws Exception;
    }

    /**
     * The region's board of L1 versions: records this process's version of a key (as "version:ms") and answers
     * every process's recent record of it.
     */
    interface VersionBoard {
        Map<String, String> record(String key, String instance, String entry, long ttlMillis) throws Exception;
    }

    private final Settings settings;
    private final Map<CachedValue.Source, Peek> tiers;
    private final Guard dbGuard;
    private final CacheMetrics metrics;
    /** Null when sampling is off. */
    private final ScheduledThreadPoolExecutor scheduler;

    private final AtomicLong permitsSecond = new AtomicLong();
    private final AtomicLong permitsUsed = new AtomicLong();
    private final Window window;
    private final VersionBoard board;
    private final String instance = java.util.UUID.randomUUID().toString();

    ConsistencySampler(
            Settings settings,
            Map<CachedValue.Source, Peek> tiers,
            VersionBoard board,
            Guard dbGuard,
            CacheMetrics metrics) {
        this.board = board;
        this.settings = settings;
        this.tiers = Map.copyOf(tiers);
        this.dbGuard = dbGuard;
        this.metrics = metrics;
        this.window = new Window(settings.window());
        if (settings.rate() > 0) {
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "consistency-sampler-" + metrics.region());
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true);
        } else {
            scheduler = null;
        }
        metrics.registerConsistency(window::ratio, window::nines);
    }

    public boolean enabled() {
        return settings.rate() > 0;
    }

    /** Called on every L1 and L2 hit; cheap when the hit is not sampled (one random number). */
    public void hit(String key, CachedValue served, Loader loader) {
        double rate = settings.rate();
        if (rate <= 0 || (rate < 1 && ThreadLocalRandom.current().nextDouble() >= rate)) {
            return;
        }
        if (!permit()) {
            metrics.consistencySkipped("rate-limited");
            return;
        }
        if (scheduler.getQueue().size() >= MAX_PENDING) {
            metrics.consistencySkipped("queue-full");
            return;
        }
        DataClass dc = CacheKeys.dataClassOf(key);
        CachedValue.Source tier = served.source();
        try {
            scheduler.schedule(
                    () -> check(key, tier, dc, loader, 0, 0), settings.budgetMillis(dc), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private boolean permit() {
        long second = System.currentTimeMillis() / 1000;
        long current = permitsSecond.get();
        if (current != second && permitsSecond.compareAndSet(current, second)) {
            permitsUsed.set(0);
        }
        return permitsUsed.incrementAndGet() <= settings.maxChecksPerSecond();
    }

    /**
     * @param suspectSince 0 on the first look; else when (ms) the entry was first seen older than the primary
     * @param followUps    how many times a confirmed inconsistency has been looked at again
     */
    private void check(
            String key, CachedValue.Source tier, DataClass dc, Loader loader, long suspectSince, int followUps) {
        Look look = look(key, tier, loader);
        if (look == null) {
            return;
        }
        CachedValue cached = look.cached();
        Loader.Loaded truth = look.truth();
        boolean stale = cached != null && isOlder(cached, truth);
        long now = System.currentTimeMillis();
        if (suspectSince == 0 && tier == CachedValue.Source.L1 && cached != null) {
            acrossInstances(key, dc, cached.version(), now);
        }
        if (suspectSince == 0) {
            if (!stale) {
                window.record(false);
                metrics.consistencyCheck(tier, dc, false);
                return;
            }
            metrics.consistencySuspect(tier, dc);
            long staleVersion = cached.version();
            reschedule(() -> confirm(key, tier, dc, loader, now, staleVersion), dc);
            return;
        }
        // A follow-up of a confirmed inconsistency: how long does it last?
        if (!stale || followUps >= MAX_FOLLOW_UPS) {
            metrics.inconsistencyDuration(tier, dc, now - suspectSince);
            return;
        }
        reschedule(() -> check(key, tier, dc, loader, suspectSince, followUps + 1), dc);
    }

    /**
     * The cross-instance sample: this process's L1 version of the key, a budget after a sampled hit, against the
     * versions other processes of the region recorded for it within the last budget. Two instances serving different
     * versions of one key at once is what a client bouncing between them would see.
     */
    private void acrossInstances(String key, DataClass dc, long version, long now) {
        long budget = settings.budgetMillis(dc);
        Map<String, String> records;
        try {
            records = board.record(key, instance, version + ":" + now, 3 * budget);
        } catch (Exception e) {
            metrics.consistencySkipped("source-unavailable");
            return;
        }
        records.forEach((other, entry) -> {
            int sep = entry.indexOf(':');
            if (other.equals(instance) || sep <= 0) {
                return;
            }
            long at = Long.parseLong(entry.substring(sep + 1));
            if (Math.abs(now - at) > budget) {
                return; // not the same moment
            }
            boolean differs = Long.parseLong(entry.substring(0, sep)) != version;
            metrics.crossInstanceCheck(dc, differs);
            if (differs) {
                LOG.warnf(
                        "instances disagree on %s: this one holds version %d in L1, another %s",
                        key, version, entry.substring(0, sep));
            }
        });
    }

    private void confirm(String key, CachedValue.Source tier, DataClass dc, Loader loader, long since, long version) {
        Look look = look(key, tier, loader);
        if (look == null) {
            return;
        }
        CachedValue cached = look.cached();
        Loader.Loaded truth = look.truth();
        boolean stillStale = cached != null && cached.version() == version && isOlder(cached, truth);
        window.record(stillStale);
        metrics.consistencyCheck(tier, dc, stillStale);
        if (stillStale) {
            LOG.warnf(
                    "cache inconsistency beyond budget: %s in %s holds version %d, the primary has %s (seen %d ms ago)",
                    key,
                    tier,
                    version,
                    truth == null ? "no row" : Long.toString(truth.version()),
                    System.currentTimeMillis() - since);
            reschedule(() -> check(key, tier, dc, loader, since, 1), dc);
        }
    }

    /** What the tier holds and what the primary has, now. */
    private record Look(CachedValue cached, Loader.Loaded truth) {}

    /** Null when the tier or the database cannot answer: no verdict, and no load added to a shedding database. */
    private Look look(String key, CachedValue.Source tier, Loader loader) {
        try {
            CachedValue cached = tiers.get(tier).peek(key);
            return new Look(cached, dbGuard.call(() -> loader.loadFromPrimary(key)));
        } catch (Exception e) {
            metrics.consistencySkipped("source-unavailable");
            LOG.debugf("consistency check of %s skipped: %s", key, e.getMessage());
            return null;
        }
    }

    /** Older than the primary: a value of an older version, or a value of a row that no longer exists. */
    private static boolean isOlder(CachedValue cached, Loader.Loaded truth) {
        if (truth == null) {
            return !cached.isNegative();
        }
        return cached.isNegative() || cached.version() < truth.version();
    }

    private void reschedule(Runnable r, DataClass dc) {
        try {
            scheduler.schedule(r, settings.budgetMillis(dc), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Checks and inconsistencies over the last {@code window}, in 60 buckets. */
    static final class Window {
        private static final int BUCKETS = 60;
        private final long bucketMillis;
        private final AtomicLongArray checks = new AtomicLongArray(BUCKETS);
        private final AtomicLongArray bad = new AtomicLongArray(BUCKETS);
        private final AtomicLongArray stamps = new AtomicLongArray(BUCKETS);

        Window(Duration window) {
            this.bucketMillis = Math.max(1, window.toMillis() / BUCKETS);
        }

        synchronized void record(boolean inconsistent) {
            long slot = System.currentTimeMillis() / bucketMillis;
            int i = (int) (slot % BUCKETS);
            if (stamps.get(i) != slot) {
                stamps.set(i, slot);
                checks.set(i, 0);
                bad.set(i, 0);
            }
            checks.incrementAndGet(i);
            if (inconsistent) {
                bad.incrementAndGet(i);
            }
        }

        private long[] totals() {
            long oldest = System.currentTimeMillis() / bucketMillis - BUCKETS + 1;
            long c = 0;
            long b = 0;
            for (int i = 0; i < BUCKETS; i++) {
                if (stamps.get(i) >= oldest) {
                    c += checks.get(i);
                    b += bad.get(i);
                }
            }
            return new long[] {c, b};
        }

        /** Fraction of checks within budget; 1 when nothing was checked. */
        double ratio() {
            long[] t = totals();
            return t[0] == 0 ? 1.0 : 1.0 - (double) t[1] / t[0];
        }

        /**
         * -log10 of the inconsistent fraction. With none found it is what the sample can support, log10(checks)
         * (100 clean checks show two nines, not infinitely many); 0 when nothing was checked.
         */
        double nines() {
            long[] t = totals();
            if (t[0] == 0) {
                return 0;
            }
            if (t[1] == 0) {
                return Math.log10(t[0]);
            }
            return -Math.log10((double) t[1] / t[0]);
        }
    }
}
