package dev.cdccache.support.cache;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.BlockingLimiter;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.cdccache.cache.Guard;
import dev.cdccache.support.config.DbLimitConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds concurrent cache-miss loads from PostgreSQL with an adaptive limit (Netflix concurrency-limits, Gradient2:
 * the limit follows the latency the database shows, between {@code min} and {@code max}), and queues loads beyond
 * it for at most {@code queue-timeout}. A cold cache or a lost Redis therefore waits a little instead of failing,
 * while the database never sees more than {@code max} loads at once; only a load that waited the whole timeout (a
 * database really too slow) is shed ({@link DatabaseOverloaded} → 503 with Retry-After); a load that fails because
 * PostgreSQL is down becomes {@link DatabaseUnavailable}: the read path may then serve a value in its grace period.
 * Before: a fixed bulkhead of
 * 16 that answered 503 at once, even to a cold pass against a healthy database.
 */
@ApplicationScoped
public class DbGuard implements Guard {

    private final Limiter<Void> limiter;
    private final SimpleLimiter<Void> limit;
    private final long queueTimeoutMillis;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final Counter shed;
    private final Counter unavailable;

    public DbGuard(MeterRegistry registry, DbLimitConfig config) {
        this.limit = SimpleLimiter.newBuilder()
                .named("db-loads")
                .limit(Gradient2Limit.newBuilder()
                        .initialLimit(config.initial())
                        .minLimit(config.min())
                        .maxConcurrency(config.max())
                        .build())
                .build();
        this.queueTimeoutMillis = config.queueTimeout().toMillis();
        this.limiter = BlockingLimiter.wrap(limit, config.queueTimeout());
        registry.gauge("cache.db.loads.inflight", inFlight);
        registry.gauge("cache.db.loads.inflight.peak", peak);
        registry.gauge("cache.db.loads.limit", limit, SimpleLimiter::getLimit);
        this.shed = Counter.builder("cache.db.loads.shed")
                .description("loads that waited the whole queue timeout for a database permit")
                .register(registry);
        this.unavailable = Counter.builder("cache.db.loads.unavailable")
                .description("loads that failed because PostgreSQL could not be reached or refused work")
                .register(registry);
    }

    @Override
    public <T> T call(Callable<T> call) throws Exception {
        Limiter.Listener permit = limiter.acquire(null).orElseThrow(() -> {
            shed.increment();
            return new DatabaseOverloaded("database load shed: no permit within " + queueTimeoutMillis + " ms");
        });
        int now = inFlight.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        T result;
        try {
            result = call.call();
        } catch (Exception | Error e) {
            inFlight.decrementAndGet();
            // A failed load says nothing about the database's latency under load.
            permit.onIgnore();
            if (DatabaseUnavailable.causedBy(e)) {
                unavailable.increment();
                throw new DatabaseUnavailable("database unavailable: this read could not be served");
            }
            throw e;
        }
        // Counted out before the permit goes back, so the peak is what the database really saw.
        inFlight.decrementAndGet();
        permit.onSuccess();
        return result;
    }

    /** Highest number of concurrent loads seen since the last reset. */
    public int peak() {
        return peak.get();
    }

    public void resetPeak() {
        peak.set(inFlight.get());
    }
}
