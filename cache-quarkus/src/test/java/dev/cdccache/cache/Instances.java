package dev.cdccache.cache;

import dev.cdccache.stack.StackControl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds cache "instances" (as separate service processes would) against the real Redis of each region. */
final class Instances implements AutoCloseable {

    private final List<RegionCache> created = new ArrayList<>();

    RegionCache create(String region) {
        return create(region, L2Store.FillMode.LEASE_CHECKED);
    }

    RegionCache create(String region, L2Store.FillMode mode) {
        RegionCache rc = TestRegionCaches.instance(StackControl.property("stack.redis." + region), region, mode);
        created.add(rc);
        return rc;
    }

    @Override
    public void close() {
        created.forEach(RegionCache::close);
    }

    /** The source of truth for library tests: versioned rows, with a count of reads per region. */
    static final class Rows {
        final Map<String, Long> versions = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> reads = new ConcurrentHashMap<>();
        volatile long delayMillis;

        Loader loaderFor(String region) {
            return key -> {
                reads.computeIfAbsent(region, r -> new AtomicInteger()).incrementAndGet();
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                Long v = versions.get(key);
                return v == null ? null : new Loader.Loaded("{\"key\":\"" + key + "\",\"version\":" + v + "}", v);
            };
        }

        int reads(String region) {
            AtomicInteger n = reads.get(region);
            return n == null ? 0 : n.get();
        }
    }
}
