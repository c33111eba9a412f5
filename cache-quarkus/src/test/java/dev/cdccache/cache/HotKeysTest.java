package dev.cdccache.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

/** Hot keys against real Redis: a process's sampled top-K, merged per region across processes. */
class HotKeysTest {

    private final Instances instances = new Instances();

    @AfterEach
    void close() {
        instances.close();
    }

    @Test
    void theHottestKeyTopsTheProcessAndTheRegionSumsItsProcesses() {
        String region = "eu";
        RegionCache a = instances.create(region);
        RegionCache b = instances.create(region);
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String hot = CacheKeys.price(Math.abs(tag.hashCode()) % 1_000_000 + 50_000_000L);
        String warm = CacheKeys.price(Math.abs(tag.hashCode()) % 1_000_000 + 60_000_000L);
        for (int i = 0; i < 32_000; i++) {
            a.cache().hotKeys().record(hot);
            b.cache().hotKeys().record(hot);
            if (i % 4 == 0) {
                a.cache().hotKeys().record(warm);
            }
        }
        a.cache().hotKeys().publish();
        b.cache().hotKeys().publish();

        List<HotKeys.Entry> local = a.cache().hotKeys().local();
        assertEquals(hot, local.get(0).key(), local.toString());
        assertTrue(local.stream().anyMatch(e -> e.key().equals(warm)), local.toString());
        double localHot = local.get(0).rate();

        List<HotKeys.Entry> regional = a.cache().hotKeys().regional(50);
        HotKeys.Entry rHot = regional.stream()
                .filter(e -> e.key().equals(hot))
                .findFirst()
                .orElseThrow(() -> new AssertionError(regional.toString()));
        HotKeys.Entry rWarm = regional.stream()
                .filter(e -> e.key().equals(warm))
                .findFirst()
                .orElseThrow(() -> new AssertionError(regional.toString()));
        assertTrue(rHot.rate() > rWarm.rate() * 4, regional.toString());
        // Two processes published the hot key: the region's rate is about the sum (sampling: within a third).
        double expected = (localHot + b.cache().hotKeys().local().get(0).rate()) * 5_000 / 60_000.0;
        assertTrue(Math.abs(rHot.rate() - expected) < expected / 3, rHot + " vs " + expected);
    }
}
