package dev.cdccache.catalog;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Traffic before the instance under test starts: another instance of region us reads products 6001-6030 many times
 * and publishes them as the region's hot set.
 */
public class HeatedHotSet implements QuarkusTestResourceLifecycleManager {

    static final long FIRST = 6001;
    static final int COUNT = 30;

    @Override
    public Map<String, String> start() {
        try (RegionCache other = TestRegionCaches.instance("us")) {
            for (int i = 0; i < 2_000; i++) {
                for (long id = FIRST; id < FIRST + COUNT; id++) {
                    other.cache().hotKeys().record(CacheKeys.productView(id));
                }
            }
            other.cache().hotKeys().publish();
        }
        return Map.of();
    }

    @Override
    public void stop() {}
}
