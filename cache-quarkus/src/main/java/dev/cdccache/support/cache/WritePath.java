package dev.cdccache.support.cache;

import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import dev.cdccache.support.config.CacheConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * Layer 1 of the contract: after a transaction commits, delete the L2 keys the change affects (pipelined, with
 * their leases) and broadcast the region's L1 eviction, before the write answers. Failures never fail the write:
 * they are counted ({@code cache.dels.failed}), reported in {@code X-Cache-Invalidation}, and the CDC backstop or
 * the TTL catch them.
 */
@ApplicationScoped
public class WritePath {

    private final RegionCache cache;
    private final FaultInjection faults;
    private final Timer duration;
    private final InvalidationReport report;
    private final CacheConfig config;
    private final InvalidationGuard guard;

    public WritePath(
            RegionCache cache,
            FaultInjection faults,
            MeterRegistry registry,
            InvalidationReport report,
            CacheConfig config,
            InvalidationGuard guard) {
        this.cache = cache;
        this.config = config;
        this.guard = guard;
        this.faults = faults;
        this.report = report;
        this.duration = Timer.builder("cache.writepath.invalidation")
                .description("commit done → L2 DEL and acknowledged L1 eviction done")
                .tag("region", cache.metrics().region())
                .publishPercentileHistogram()
                .register(registry);
    }

    /**
     * In a region that reads a replica: remote markers on every key the transaction changes, before it commits, so
     * that this region's reads of them go to the primary until the replica has the change. A marker that cannot be
     * set does not fail the write (the replica gate still bounds staleness; only read-your-writes is lost), it is
     * counted ({@code cache.remote.markers.failed}).
     */
    void beforeCommit(Collection<RowChange> changes) {
        if (!config.remoteMarkers() || changes.isEmpty()) {
            return;
        }
        java.util.List<KeyMapper.Marker> markers = KeyMapper.mapAll(changes).markers();
        if (markers.isEmpty() || markers.size() > config.remoteMarkerMaxKeys()) {
            return;
        }
        try {
            guard.call(() -> {
                cache.l2().mark(markers, config.remoteMarkerTtl().toMillis());
                return null;
            });
            cache.metrics().markersSet(markers.size());
        } catch (Exception e) {
            cache.metrics().markersFailed(markers.size());
        }
    }

    /** Invalidates after commit and records the outcome for the response header. Never throws for a cache failure. */
    CacheInvalidator.Result afterCommit(Collection<RowChange> changes) {
        CacheInvalidator.Result result = invalidate(changes);
        report.record(result);
        return result;
    }

    private CacheInvalidator.Result invalidate(Collection<RowChange> changes) {
        if (faults.dropThisDel()) {
            cache.metrics().chaosDropped("del");
            long now = System.currentTimeMillis();
            return new CacheInvalidator.Result(false, false, now, now);
        }
        long start = System.nanoTime();
        try {
            return cache.invalidator().invalidate(KeyMapper.mapAll(changes));
        } finally {
            duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }
}
