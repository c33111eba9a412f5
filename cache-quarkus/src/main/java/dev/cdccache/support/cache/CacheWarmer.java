package dev.cdccache.support.cache;

import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.DataClass;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.Warmer;
import dev.cdccache.support.config.WarmingConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * Warms this instance's caches at start from its region's hot set (and {@code cache.warming.extra-keys}), in the
 * background; {@code WarmingReadiness} keeps the instance not ready until it is done — or until the instance's own
 * hit ratio shows it is warm anyway. Never on a timer alone.
 */
@ApplicationScoped
public class CacheWarmer {

    private static final Logger LOG = Logger.getLogger(CacheWarmer.class);

    private final RegionCache cache;
    private final WarmingConfig config;
    private final Warmer warmer;
    private volatile double readsAtStart = -1;
    private volatile double hitsAtStart;

    public CacheWarmer(
            RegionCache cache, WarmingConfig config, Instance<WarmableKeys> warmable, MeterRegistry registry) {
        this.cache = cache;
        this.config = config;
        this.warmer = new Warmer(
                cache.cache(),
                key -> warmable.stream()
                        .map(w -> w.loaderFor(key))
                        .flatMap(Optional::stream)
                        .findFirst(),
                config.concurrency(),
                config.maxDuration().toMillis());
        registry.gauge(
                "cache.warming.progress.ratio", this, w -> w.warmer.progress().ratio());
        // While warming: the time so far (so an alert can see a slow warm-up before it ends); then its duration.
        registry.gauge("cache.warming.duration.seconds", this, w -> w.warmer.elapsedMillis() / 1000.0);
        registry.gauge("cache.warming.keys", this, w -> w.warmer.progress().keys());
        registry.gauge("cache.warming.db.loads", this, w -> w.warmer.progress().fromDb());
        registry.gauge(
                "cache.warming.cache.hits", this, w -> w.warmer.progress().fromCache());
    }

    void onStart(@Observes StartupEvent ev) {
        readsAtStart = reads(false);
        hitsAtStart = reads(true);
        if (!config.enabled()) {
            return;
        }
        LinkedHashSet<String> keys = new LinkedHashSet<>(config.extraKeys().orElse(List.of()));
        try {
            cache.cache().hotKeys().regional(config.keys()).forEach(e -> keys.add(e.key()));
        } catch (Exception e) {
            // No hot set (Redis down): nothing to warm from; the hit-ratio path can still open readiness.
            LOG.warnf("no hot set to warm from (%s)", e.getMessage());
        }
        warmer.start(new ArrayList<>(keys));
    }

    public Warmer.Progress progress() {
        return warmer.progress();
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** Warming is done, or the instance's hit ratio since start reached the threshold over ≥ 100 reads. */
    public boolean warm() {
        if (!config.enabled() || warmer.done()) {
            return true;
        }
        double reads = reads(false) - Math.max(0, readsAtStart);
        return reads >= 100 && (reads(true) - hitsAtStart) / reads >= config.hitRatioThreshold();
    }

    private double reads(boolean hitsOnly) {
        double sum = 0;
        for (DataClass dc : DataClass.values()) {
            for (CachedValue.Source tier : CachedValue.Source.values()) {
                if (!hitsOnly || tier == CachedValue.Source.L1 || tier == CachedValue.Source.L2) {
                    sum += cache.metrics().count("cache.reads", "tier", tier.name(), "data_class", dc.name());
                }
            }
        }
        return sum;
    }

    @PreDestroy
    void stop() {
        warmer.stop();
    }
}
