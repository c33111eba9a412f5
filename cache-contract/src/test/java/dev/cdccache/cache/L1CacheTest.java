package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The load registry's promise — an eviction that overtakes a load keeps its value out of L1 — also for a load that
 * began while the L1 lease had lapsed (the eviction subscription answered late, say under a GC pause). Such a load is
 * not shared with other readers, but its value is still put in L1 at the end, and served once the lease is renewed.
 */
class L1CacheTest {

    private final L1Cache l1 = new L1Cache(1_000, new CacheMetrics(new SimpleMeterRegistry(), "us"));
    private final CachedValue old = new CachedValue("{\"v\":1}", 1, CachedValue.Source.L2);

    private void renewLease() {
        l1.leaseUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void anEvictionOvertakingALoadKeepsItsValueOut() {
        renewLease();
        L1Cache.Registration reg = l1.beginLoad("k");
        assertTrue(reg.owner());
        l1.evict(List.of("k"));
        l1.completeLoad("k", reg.load(), old, 5_000);
        assertNull(l1.getIfPresent("k"));
    }

    @Test
    void anEvictionOvertakingALoadBegunWhileTheLeaseHadLapsedKeepsItsValueOutToo() {
        l1.leaseUntil(System.nanoTime() - 1); // lapsed: nothing is served, loads are not shared
        assertFalse(l1.servable());
        L1Cache.Registration reg = l1.beginLoad("k");
        assertTrue(reg.owner());
        // The write's eviction is applied (the subscription delivers, late) while the load still holds the old value.
        l1.evict(List.of("k"));
        l1.completeLoad("k", reg.load(), old, 5_000);
        renewLease(); // the next answered ping: every eviction sent before it has been applied
        assertNull(l1.getIfPresent("k"), "served the value an eviction had overtaken");
    }

    @Test
    void aPrefixEvictionOvertakingALoadBegunWhileTheLeaseHadLapsedKeepsItsValueOut() {
        l1.leaseUntil(System.nanoTime() - 1);
        L1Cache.Registration reg = l1.beginLoad("cat:product:{7}");
        l1.evictPrefixes(List.of("cat:"));
        l1.completeLoad("cat:product:{7}", reg.load(), old, 5_000);
        renewLease();
        assertNull(l1.getIfPresent("cat:product:{7}"));
    }

    @Test
    void aFlushOvertakingALoadBegunWhileTheLeaseHadLapsedKeepsItsValueOut() {
        l1.leaseUntil(System.nanoTime() - 1);
        L1Cache.Registration reg = l1.beginLoad("prc:price:{7}");
        l1.flush("test");
        l1.completeLoad("prc:price:{7}", reg.load(), old, 5_000);
        renewLease();
        assertNull(l1.getIfPresent("prc:price:{7}"));
    }

    @Test
    void aLoadBegunWhileTheLeaseHadLapsedIsNotJoinedButItsValueIsKept() {
        l1.leaseUntil(System.nanoTime() - 1);
        L1Cache.Registration first = l1.beginLoad("k");
        L1Cache.Registration second = l1.beginLoad("k");
        assertTrue(first.owner());
        assertTrue(second.owner(), "a load begun without a lease is never joined");
        l1.completeLoad("k", first.load(), old, 5_000);
        l1.completeLoad("k", second.load(), old, 5_000);
        renewLease();
        assertEquals(1, l1.getIfPresent("k").version());
    }
}
