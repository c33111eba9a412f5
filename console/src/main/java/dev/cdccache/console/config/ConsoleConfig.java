package dev.cdccache.console.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the console watches and how hard it may look. Defaults are the local stack's (infra/stack.env); `make up`
 * and compose pass their own.
 */
@ConfigMapping(prefix = "console")
public interface ConsoleConfig {

    /** Read instances, {@code name|region|catalog or pricing|base URL}. */
    @WithDefault("catalog-us-1|us|catalog|http://127.0.0.1:18081,catalog-us-2|us|catalog|http://127.0.0.1:18083,"
            + "pricing-us|us|pricing|http://127.0.0.1:18082,catalog-eu|eu|catalog|http://127.0.0.1:18181,"
            + "pricing-eu|eu|pricing|http://127.0.0.1:18182")
    List<String> readers();

    /** CDC invalidators, {@code name|regions (us, eu or us+eu)|base URL}: metrics and the chaos switch. */
    @WithDefault("invalidator-us|us|http://127.0.0.1:18091,invalidator-eu|eu|http://127.0.0.1:18191,"
            + "invalidator-2|us+eu|http://127.0.0.1:18092")
    List<String> invalidators();

    /**
     * How often a watched product is read from every instance and Redis. Each tick is one GET per instance, two
     * Redis reads per region and one primary query: with the cap on watched products, a bounded load.
     */
    @WithDefault("50ms")
    Duration pollInterval();

    /** Products watched at once (across every open page); one more is refused with 429. */
    @WithDefault("4")
    int maxWatched();

    /** After a write, how long its lanes are watched before the ones not fresh yet are reported as stale. */
    @WithDefault("15s")
    Duration writeTimeout();

    /** The bounds the page checks each write against (the README's staleness contract). */
    Bounds bounds();

    /** The services' chaos switch: the token `make up` generated (read from its owner-only file), or given. */
    Optional<String> adminToken();

    /** Where `make up` wrote the admin token. */
    Optional<String> adminTokenFile();

    /**
     * The local stack's control script ({@code infra/stack.sh}) and its directory: the switches that stop eu's Redis
     * and pause eu's invalidators use them. Absent (compose): those switches are not offered.
     */
    Optional<String> stackScript();

    Optional<String> stackDir();

    /** eu's replica, for the replica-lag switch (its superuser: postgres on the local stack). */
    Replica replica();

    interface Bounds {
        /** A lane of the writer's own region: fresh by the first read after the write answered (one poll). */
        @WithDefault("100ms")
        Duration writePath();

        /** Any lane made fresh by CDC. */
        @WithDefault("2s")
        Duration cdc();

        /** With L1 broadcasts dropped: the catalog's L1 TTL with its jitter. */
        @WithDefault("5750ms")
        Duration l1Ttl();
    }

    interface Replica {
        Optional<String> jdbcUrl();

        @WithDefault("postgres")
        String user();

        @WithDefault("postgres")
        String password();

        /** The apply delay the replica-lag switch sets. */
        @WithDefault("2s")
        Duration lag();
    }
}
