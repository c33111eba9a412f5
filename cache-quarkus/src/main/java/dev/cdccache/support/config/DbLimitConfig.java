package dev.cdccache.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The adaptive limit on concurrent cache-miss loads from PostgreSQL (see {@code DbGuard}). */
@ConfigMapping(prefix = "cache.db-limit")
public interface DbLimitConfig {

    /** The limit before the first measurements move it. */
    @WithDefault("16")
    int initial();

    /** The limit never goes below this. */
    @WithDefault("4")
    int min();

    /** The most loads the database ever sees at once from this process. */
    @WithDefault("32")
    int max();

    /** How long a load may wait for a permit before it is shed with 503. */
    @WithDefault("1s")
    Duration queueTimeout();
}
