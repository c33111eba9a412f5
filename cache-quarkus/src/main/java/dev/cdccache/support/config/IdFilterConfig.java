package dev.cdccache.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The Bloom filter of existing product ids that answers reads of unknown ids (penetration protection). */
@ConfigMapping(prefix = "cache.id-filter")
public interface IdFilterConfig {

    /** Off: every id goes through the cache (negative caching still applies). */
    @WithDefault("true")
    boolean enabled();

    /** How often the filter is rebuilt from the primary (new ids are admitted meanwhile: they are above its mark). */
    @WithDefault("30s")
    Duration refreshInterval();

    /** Target false-positive rate (an unknown id let through to the cache and PostgreSQL). */
    @WithDefault("0.01")
    double fpp();

    /** How long a rebuild waits for transactions holding a new, unfinished id before giving up until the next. */
    @WithDefault("10s")
    Duration maxWait();
}
