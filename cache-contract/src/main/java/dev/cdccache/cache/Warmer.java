package dev.cdccache.cache;

import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Warms a starting instance's caches with its region's hot set before it takes traffic: each key is read through
 * the normal path (L2, or PostgreSQL under the lease), which leaves it in this process's L1. Keys that fail (the
 * database shedding, Redis down) are retried until they load; {@link #done()} only when every key has. The warm-up
 * is bounded: past {@code maxMillis} it goes on at one key per second, so a sick database is not hammered by a
 * starting fleet — and the instance stays not-ready meanwhile unless its traffic's hit ratio says otherwise.
 */
public final class Warmer {

    private static final Logger LOG = Logger.getLogger(Warmer.class);

    /** How the warm-up went so far. */
    public record Progress(int keys, int fromCache, int fromDb, int failures, long tookMillis) {
        public int warmed() {
            return fromCache + fromDb;
        }

        public double ratio() {
            return keys == 0 ? 1.0 : (double) warmed() / keys;
        }

        public boolean done() {
            return tookMillis >= 0;
        }
    }

    private final LayeredCache cache;
    private final Function<String, Optional<Loader>> loaders;
    private final int concurrency;
    private final long maxMillis;
    private final AtomicInteger fromCache = new AtomicInteger();
    private final AtomicInteger fromDb = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile int keys = -1;
    private volatile long tookMillis = -1;
    private volatile long startedNanos;
    private volatile ExecutorService pool;

    /**
     * @param loaders the loader of a key this service serves, or empty for keys it does not (they are skipped)
     */
    public Warmer(LayeredCache cache, Function<String, Optional<Loader>> loaders, int concurrency, long maxMillis) {
        this.cache = cache;
        this.loaders = loaders;
        this.concurrency = concurrency;
        this.maxMillis = maxMillis;
    }

    /** Starts warming {@code hotSet} (hottest first) in the background. */
    public void start(List<String> hotSet) {
        List<String> mine =
                hotSet.stream().filter(k -> loaders.apply(k).isPresent()).toList();
        keys = mine.size();
        long start = System.nanoTime();
        startedNanos = start;
        if (mine.isEmpty()) {
            tookMillis = 0;
            return;
        }
        ConcurrentLinkedQueue<String> todo = new ConcurrentLinkedQueue<>(mine);
        AtomicInteger left = new AtomicInteger(mine.size());
        pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "cache-warmer");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < concurrency; i++) {
            pool.execute(() -> {
                String key;
                while ((key = todo.poll()) != null && !Thread.currentThread().isInterrupted()) {
                    if (warm(key)) {
                        if (left.decrementAndGet() == 0) {
                            tookMillis = Math.max(1, (System.nanoTime() - start) / 1_000_000);
                            LOG.infof(
                                    "cache warmed: %d keys in %d ms (%d already cached in L2, %d from the database)",
                                    keys, tookMillis, fromCache.get(), fromDb.get());
                        }
                    } else {
                        todo.add(key); // again later
                        boolean bounded = (System.nanoTime() - start) / 1_000_000 > maxMillis;
                        try {
                            Thread.sleep(bounded ? 1000 : 50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
        }
        pool.shutdown();
    }

    private boolean warm(String key) {
        try {
            CachedValue v = cache.get(key, loaders.apply(key).orElseThrow());
            (v.source() == CachedValue.Source.DB ? fromDb : fromCache).incrementAndGet();
            return true;
        } catch (Exception e) {
            failures.incrementAndGet();
            LOG.debugf("warming %s failed (%s); retrying", key, e.getMessage());
            return false;
        }
    }

    /** How long warming took, or has been running so far (0 before it started). */
    public long elapsedMillis() {
        if (tookMillis >= 0) {
            return tookMillis;
        }
        return startedNanos == 0 ? 0 : (System.nanoTime() - startedNanos) / 1_000_000;
    }

    public Progress progress() {
        return new Progress(Math.max(0, keys), fromCache.get(), fromDb.get(), failures.get(), tookMillis);
    }

    /** Whether every key of the hot set is warmed (false before {@link #start}). */
    public boolean done() {
        return tookMillis >= 0;
    }

    public void stop() {
        ExecutorService p = pool;
        if (p != null) {
            p.shutdownNow();
            try {
                p.awaitTermination(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
