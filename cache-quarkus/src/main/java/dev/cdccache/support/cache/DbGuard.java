package dev.cdccache.support.cache;

import dev.cdccache.cache.Guard;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Bulkhead;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps concurrent cache-miss loads from PostgreSQL, so that losing Redis cannot turn every read into a database
 * query at once. Loads beyond the cap are rejected ({@code BulkheadException} → 503 problem). Size with
 * {@code quarkus.fault-tolerance."dev.cdccache.support.cache.DbGuard/call".bulkhead.value}.
 */
@ApplicationScoped
public class DbGuard implements Guard {

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    public DbGuard(MeterRegistry registry) {
        registry.gauge("cache.db.loads.inflight", inFlight);
        registry.gauge("cache.db.loads.inflight.peak", peak);
    }

    @Override
    @Bulkhead(16)
    public <T> T call(Callable<T> call) throws Exception {
        int now = inFlight.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        try {
            return call.call();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Highest number of concurrent loads seen since the last reset. */
    public int peak() {
        return peak.get();
    }

    public void resetPeak() {
        peak.set(inFlight.get());
    }
}
