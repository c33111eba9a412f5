package dev.cdccache.support.cache;

import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;

/**
 * Layer 1 of the contract: after a transaction commits, delete the L2 keys the change affects (pipelined, with
 * their leases) and broadcast the region's L1 eviction, before the write answers. Failures never fail the write:
 * they are counted ({@code cache.dels.failed}) and the CDC backstop or the TTL catch them.
 */
@ApplicationScoped
public class WritePath {

    private final RegionCache cache;
    private final FaultInjection faults;

    public WritePath(RegionCache cache, FaultInjection faults) {
        this.cache = cache;
        this.faults = faults;
    }

    public CacheInvalidator.Result afterCommit(Collection<RowChange> changes) {
        if (faults.dropThisDel()) {
            cache.metrics().chaosDropped("del");
            long now = System.currentTimeMillis();
            return new CacheInvalidator.Result(false, false, now, now);
        }
        return cache.invalidator().invalidate(KeyMapper.mapAll(changes));
    }
}
