package dev.cdccache.invalidation.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Roles of this application. The local stack and docker-compose run it three times: the relay
 * ({@code cdc.relay.enabled=true}), the us invalidator and the eu invalidator ({@code cdc.invalidator.regions=us}
 * / {@code eu}). Tests run all roles in one process.
 */
@ConfigMapping(prefix = "cdc")
public interface CdcConfig {

    /** Topic names are {@code <prefix>.public.<table>}. */
    @WithDefault("cdc")
    String topicPrefix();

    /**
     * Partitions per table topic. Records are keyed by primary key, so a row's changes stay ordered in one
     * partition; 3 lets up to 3 invalidator instances of a region share the work.
     */
    @WithDefault("3")
    int partitions();

    /** Where records that cannot be decoded go, with the reason in headers. */
    @WithDefault("cdc.dlq")
    String dlqTopic();

    /**
     * A change whose commit → invalidated time passes this is logged at WARN with its time per stage (relay, Kafka,
     * replica gate, DEL, broadcast), at most once a second per relay or invalidator member: the contract's CDC bound
     * is 2 s, so a change that takes half of it is evidence worth keeping (the nemesis prints these lines when a read
     * is stale beyond its bound). 0 turns the log off.
     */
    @WithDefault("1s")
    Duration slowChangeLog();

    Relay relay();

    Invalidator invalidator();

    interface Relay {
        @WithDefault("false")
        boolean enabled();

        @WithDefault("127.0.0.1")
        String dbHost();

        @WithDefault("15432")
        int dbPort();

        @WithDefault("cdccache")
        String dbName();

        @WithDefault("cdccache")
        String dbUser();

        @WithDefault("cdccache")
        String dbPassword();

        /** Debezium's source offsets (the LSN it has published up to); flushed after every acknowledged batch. */
        @WithDefault(".stack/data/relay/offsets.dat")
        String offsetFile();

        @WithDefault("cdc_relay")
        String slotName();

        @WithDefault("cdc_publication")
        String publication();

        /**
         * How long Debezium's streaming loop sleeps when the replication stream is empty, after five reads that each
         * wait up to 1 ms on the socket (pgjdbc's replication stream): a change committed during the sleep waits for
         * its end, so this is the relay stage's floor (10 ms: 6.3 ms mean per change). Our ChangeEventQueue does not
         * return empty more often than every 100 ms whatever this says, so 1 ms costs the idle relay only the
         * streaming loop's own wake-ups (docs/measurements.md, session 12).
         */
        @WithDefault("1ms")
        Duration pollInterval();

        @WithDefault("2048")
        int maxBatchSize();

        /** Heartbeat: keeps the slot advancing on a quiet database and lag measurable. */
        @WithDefault("1s")
        Duration heartbeatInterval();

        /**
         * Recovery after a slot/offset mismatch: drop the slot and offsets, start streaming afresh and publish a
         * flush of every key space (changes may have been missed). Off by default: never a silent skip.
         */
        @WithDefault("false")
        boolean resetOnStart();

        /**
         * Rounds of a standby's takeover rehearsal (Debezium's start path on a throwaway slot, once per process), so
         * that a takeover starts a warm engine: the first failover after a cold start took 7.2 s without it
         * (docs/measurements.md, session 9). 0 turns it off.
         */
        @WithDefault("3")
        int standbyWarmUpRounds();
    }

    interface Invalidator {
        /** Regions this process invalidates; empty = role off. */
        Optional<List<String>> regions();

        /**
         * The replica each region reads, by region ({@code cdc.invalidator.replica.eu.jdbc-url}): that region's
         * invalidation waits until its replica has replayed each change (the replica gate; {@code cache.region-gate}).
         * A region without one reads the primary and needs no gate.
         */
        Map<String, Replica> replica();

        /**
         * The longest one wait of the replica gate lasts; after it the loop reports the replica as behind (readiness
         * DOWN with the reason), keeps its partitions paused and polling, and waits again. Nothing is dropped.
         */
        @WithDefault("2s")
        Duration gateMaxWait();

        /** Consumer group = prefix + "-" + region. */
        @WithDefault("invalidator")
        String groupPrefix();

        @WithDefault("2000")
        int maxPollRecords();

        /**
         * Consumer instances per region in this process (a second one shares the partitions and takes them over
         * when the first fails). The stack runs one per process and a second process per region.
         */
        @WithDefault("1")
        int instances();

        /**
         * Kafka's {@code max.poll.interval.ms}. The loop polls while it retries (partitions paused), so a Redis outage
         * longer than this does not cost the group membership; this only bounds a loop that is really stuck.
         */
        @WithDefault("5m")
        Duration maxPollInterval();

        /** Kafka's {@code session.timeout.ms}: how soon the group notices a member that died without leaving. */
        @WithDefault("6s")
        Duration sessionTimeout();

        /** A region's replica, as its invalidator's gate reads it. */
        interface Replica {
            /** Required for a region this process invalidates (optional so a password file may name it for all). */
            Optional<String> jdbcUrl();

            @WithDefault("cdccache")
            String user();

            Optional<String> password();
        }

        /** Liveness goes DOWN when the consume loop has not turned for this long (an orchestrator restarts it). */
        @WithDefault("60s")
        Duration stuckAfter();
    }
}
