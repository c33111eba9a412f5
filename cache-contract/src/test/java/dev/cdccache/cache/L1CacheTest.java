package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    void duringALapseReadersJoinOnlyALoadThatHasNotBegunReadingAndOneLoadReadsAtATime() throws Exception {
        l1.leaseUntil(System.nanoTime() - 1);
        L1Cache.Registration a = l1.beginLoad("k");
        L1Cache.Registration joinsA = l1.beginLoad("k");
        assertTrue(a.owner());
        assertFalse(joinsA.owner());
        assertSame(a.load(), joinsA.load(), "A has not begun reading: joined");

        l1.awaitTurn("k", a.load(), 5_000); // no load before it: A reads at once
        L1Cache.Registration b = l1.beginLoad("k");
        assertTrue(b.owner(), "A is reading: a new load, not a join");
        CompletableFuture<Void> bsTurn = CompletableFuture.runAsync(() -> {
            try {
                l1.awaitTurn("k", b.load(), 5_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The marker that B is still waiting for A: a reader arriving now joins B.
        L1Cache.Registration joinsB = l1.beginLoad("k");
        assertFalse(joinsB.owner());
        assertSame(b.load(), joinsB.load());
        assertFalse(bsTurn.isDone());

        l1.completeLoad("k", a.load(), old, 5_000);
        bsTurn.get(5, TimeUnit.SECONDS);
        L1Cache.Registration c = l1.beginLoad("k");
        assertTrue(c.owner(), "B is reading now: a new load");
        assertNotSame(b.load(), c.load());

        CachedValue fresh = new CachedValue("{\"v\":2}", 2, CachedValue.Source.L2);
        l1.completeLoad("k", b.load(), fresh, 5_000);
        assertEquals(2, joinsB.load().result().get().version(), "the joiner gets its load's answer");
        renewLease();
        assertEquals(2, l1.getIfPresent("k").version(), "a lapse-time load nothing overtook is kept");
    }

    @Test
    void aLapseTimeLoadThatFailsBeforeItsTurnTakesNoMoreReaders() {
        l1.leaseUntil(System.nanoTime() - 1);
        L1Cache.Registration a = l1.beginLoad("k");
        l1.failLoad("k", a.load(), new IllegalStateException("refused"));
        assertTrue(l1.beginLoad("k").owner());
    }
}
