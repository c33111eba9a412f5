package dev.cdccache.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Per-client sliding-window rate limits, kept in the region's Redis (so every instance of a region shares a
 * client's budget). Defaults are generous: they stop a flood from one client, not the stack's own benchmarks.
 */
@ConfigMapping(prefix = "rate-limit")
public interface RateLimitConfig {

    /** Off turns every check into a pass. */
    @WithDefault("true")
    boolean enabled();

    /** The header naming a client (an API key); without it a client is its remote address. */
    @WithDefault("X-Api-Key")
    String clientHeader();

    /**
     * A client that names itself is also bounded by its address, at this multiple of the class's limit: keys are not
     * authenticated here, so rotating them must not buy an unbounded rate.
     */
    @WithDefault("4")
    int addressMultiplier();

    /** Writes: POST, PUT, PATCH, DELETE (bulk repricing included). */
    Write write();

    /** Reads that L1 could not answer (they cost Redis, and PostgreSQL when L2 misses too); the quote endpoint. */
    ReadMiss readMiss();

    /** One endpoint class's limit. */
    interface Limit {
        /** Requests per window per client. */
        int limit();

        Duration window();
    }

    interface Write extends Limit {
        /** Requests per window per client. */
        @Override
        @WithDefault("200")
        int limit();

        @Override
        @WithDefault("1s")
        Duration window();
    }

    interface ReadMiss extends Limit {
        /** Requests per window per client. */
        @Override
        @WithDefault("5000")
        int limit();

        @Override
        @WithDefault("1s")
        Duration window();
    }
}
