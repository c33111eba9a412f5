package dev.cdccache.support.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.support.service.RateLimited;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A read's admission (the rate limit) against real Redis: 200 concurrent misses of one key in one process cost one
 * admission and one load — the stampede that opened the read breaker when every request asked the limiter first —
 * and a request that joined a load its owner's admission refused asks its own admission instead of failing with it.
 */
class CachedReadsAdmissionTest {

    private RegionCache cache;

    @AfterEach
    void close() {
        if (cache != null) {
            cache.close();
        }
    }

    @Test
    void aStampedeOfOneKeyCostsOneAdmissionPerProcess() {
        cache = TestRegionCaches.instance("us");
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(95_000_000, 96_000_000));
        AtomicInteger admissions = new AtomicInteger();
        AtomicInteger loads = new AtomicInteger();
        Loader slow = k -> {
            loads.incrementAndGet();
            Thread.sleep(200);
            return new Loader.Loaded("{}", 1);
        };
        List<Uni<CachedValue>> reads = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            reads.add(CachedReads.read(cache.cache(), key, slow, admissions::incrementAndGet, v -> v));
        }
        List<CachedValue> values = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(20));
        assertEquals(200, values.size());
        assertEquals(1, loads.get());
        assertEquals(1, admissions.get(), "one admission for the one load, not one per request");
    }

    @Test
    void aJoinerOfARefusedLoadAsksItsOwnAdmission() {
        cache = TestRegionCaches.instance("us");
        String key = CacheKeys.productView(ThreadLocalRandom.current().nextLong(96_000_000, 97_000_000));
        AtomicInteger asked = new AtomicInteger();
        // The first admission (the owner's, another client) refuses; every later one admits.
        Runnable admission = () -> {
            if (asked.incrementAndGet() == 1) {
                try {
                    Thread.sleep(100); // while the joiners pile onto the owner's registration
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new RateLimited("the owner's client is over its limit", 1000);
            }
        };
        List<Uni<CachedValue>> reads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            reads.add(CachedReads.read(cache.cache(), key, k -> new Loader.Loaded("{}", 1), admission, v -> v)
                    .onFailure(RateLimited.class)
                    .recoverWithItem((CachedValue) null));
        }
        List<CachedValue> values = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(20));
        long refused = values.stream().filter(v -> v == null).count();
        assertEquals(1, refused, "only the refused client's own request is refused");
        assertTrue(asked.get() >= 2, "a joiner asked its own admission: " + asked.get());
    }
}
