package dev.cdccache.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The warming gate: a starting instance loads its region's hot set before readiness turns UP. */
@ConfigMapping(prefix = "cache.warming")
public interface WarmingConfig {

    /** Off: readiness does not wait for warming. */
    @WithDefault("true")
    boolean enabled();

    /** How many of the region's hottest keys to warm. */
    @WithDefault("200")
    int keys();

    /** Keys warmed in addition to the hot set (e.g. a launch's products), hottest first. */
    Optional<List<String>> extraKeys();

    /** Loads in parallel while warming. */
    @WithDefault("4")
    int concurrency();

    /** Past this, keys that keep failing are retried at one per second (the instance stays not ready). */
    @WithDefault("30s")
    Duration maxDuration();

    /** Readiness also opens once the instance's own L1+L2 hit ratio reaches this (over at least 100 reads). */
    @WithDefault("0.8")
    double hitRatioThreshold();
}
