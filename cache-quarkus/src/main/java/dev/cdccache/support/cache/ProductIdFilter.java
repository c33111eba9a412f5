package dev.cdccache.support.cache;

import dev.cdccache.cache.IdBloomFilter;
import dev.cdccache.support.config.IdFilterConfig;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which product ids can exist: a Bloom filter of every id up to a mark, rebuilt from the primary. An id at or below
 * the mark that the filter has never seen does not exist, and is answered 404 without touching Redis or PostgreSQL
 * (an enumeration of random ids then costs nothing but CPU); an id above the mark — created since the last rebuild —
 * always goes through the cache, so a new product is never refused.
 *
 * <p>The mark is exact because of how ids are allocated (Flyway V4): every id comes from {@code next_product_id()},
 * which holds a shared advisory lock until its transaction ends. A rebuild takes that lock exclusively for one
 * statement ({@code pg_try_advisory_lock}, polled, so creates are never blocked by it), reads the sequence, and lets
 * go: at that instant no transaction holds an allocated, unfinished id, so every id up to the sequence's value is
 * either committed — and in the scan that follows — or never will be.
 */
@ApplicationScoped
public class ProductIdFilter {

    private static final Logger LOG = Logger.getLogger(ProductIdFilter.class);
    static final long ALLOCATION_LOCK = 7210001;

    private record Snapshot(IdBloomFilter filter, long mark, long ids) {}

    private final AgroalDataSource primary;
    private final IdFilterConfig config;
    private volatile Snapshot current = new Snapshot(null, 0, 0);
    private final AtomicInteger waiting = new AtomicInteger();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "product-id-filter");
        t.setDaemon(true);
        return t;
    });
    private final Counter rejected;
    private final Counter falsePositives;
    private final Counter refreshFailures;
    private final Timer refreshes;

    public ProductIdFilter(AgroalDataSource primary, IdFilterConfig config, MeterRegistry registry) {
        this.primary = primary;
        this.config = config;
        this.rejected = Counter.builder("cache.id.filter.rejected")
                .description("reads of ids the filter knows do not exist, answered 404 without Redis or PostgreSQL")
                .register(registry);
        this.falsePositives = Counter.builder("cache.id.filter.false.positives")
                .description("reads the filter let through (id at or below its mark) that found no product")
                .register(registry);
        this.refreshFailures = Counter.builder("cache.id.filter.refresh.failures")
                .description("rebuilds given up (database unavailable, or ids still being created past max-wait)")
                .register(registry);
        this.refreshes = Timer.builder("cache.id.filter.refresh")
                .description("time to rebuild the filter, including the wait for unfinished creates")
                .register(registry);
        registry.gauge("cache.id.filter.ids", this, f -> f.current.ids());
        registry.gauge("cache.id.filter.mark", this, f -> f.current.mark());
        registry.gauge(
                "cache.id.filter.expected.fpp",
                this,
                f -> f.current.filter() == null ? 0 : f.current.filter().expectedFpp(f.current.ids()));
        registry.gauge("cache.id.filter.refresh.waiting", waiting);
    }

    /** False only if product {@code id} certainly does not exist. */
    public boolean mightExist(long id) {
        Snapshot s = current;
        if (s.filter() == null || id > s.mark() || s.filter().mightContain(id)) {
            return true;
        }
        rejected.increment();
        return false;
    }

    /** A read the filter let through found no product: counted as a false positive if the filter covers the id. */
    public void notFound(long id) {
        Snapshot s = current;
        if (s.filter() != null && id <= s.mark()) {
            falsePositives.increment();
        }
    }

    /**
     * Built at start, then rebuilt every refresh interval on a thread of its own; a failure (database down) keeps
     * the previous filter (at start: none, and every id goes through the cache).
     */
    void onStart(@Observes StartupEvent ev) {
        if (!config.enabled()) {
            return;
        }
        refreshQuietly();
        long every = config.refreshInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::refreshQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (Exception e) {
            refreshFailures.increment();
            LOG.warnf("product id filter not rebuilt (%s); the previous one stays", e.getMessage());
        }
    }

    /** Rebuilds the filter from the primary; the previous one answers until the new one is complete. */
    public synchronized void refresh() throws Exception {
        long start = System.nanoTime();
        try (Connection c = primary.getConnection()) {
            c.setAutoCommit(true);
            long mark = markWhenNoCreateIsUnfinished(c);
            long count = 0;
            // Sized by the mark, which bounds the ids below it (no second scan to count them), with room to spare.
            IdBloomFilter filter = new IdBloomFilter(Math.max(1024, mark * 2), config.fpp());
            c.setAutoCommit(false); // a cursor: the ids stream in pages, not all at once
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM products WHERE id <= ?")) {
                ps.setFetchSize(10_000);
                ps.setLong(1, mark);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        filter.add(rs.getLong(1));
                        count++;
                    }
                }
            } finally {
                c.commit();
            }
            current = new Snapshot(filter, mark, count);
            LOG.debugf("product id filter: %d ids up to %d", count, mark);
        } finally {
            refreshes.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The sequence's value at an instant when no transaction holds an allocated id unfinished (the allocation lock
     * is free), polling without queueing for the lock so no create ever waits for this.
     */
    private long markWhenNoCreateIsUnfinished(Connection c) throws Exception {
        long deadline = System.nanoTime() + config.maxWait().toNanos();
        waiting.set(1);
        try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            lock.setLong(1, ALLOCATION_LOCK);
            while (true) {
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new SQLException("products were being created for longer than " + config.maxWait());
                }
                Thread.sleep(20); // a create holds the lock for its transaction only: look again shortly
            }
        } finally {
            waiting.set(0);
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT last_value, is_called FROM products_id_seq")) {
            rs.next();
            return rs.getBoolean(2) ? rs.getLong(1) : rs.getLong(1) - 1;
        } finally {
            try (PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                unlock.setLong(1, ALLOCATION_LOCK);
                unlock.execute();
            }
        }
    }
}
