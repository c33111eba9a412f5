package dev.cdccache.invalidation;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.invalidation.cdc.CdcRelay;
import dev.cdccache.invalidation.cdc.KafkaClients;
import dev.cdccache.invalidation.service.Invalidators;
import dev.cdccache.invalidation.service.RegionInvalidator;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

/** The backstop end to end: PostgreSQL → Debezium → Kafka → invalidators → Redis (us and eu) and L1s. */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class CdcBackstopTest {

    /** Generous: the benchmark measures the real distribution; this only proves "invalidated, soon". */
    private static final Duration BOUND = Duration.ofSeconds(5);

    @Inject
    CdcRelay relay;

    @Inject
    Invalidators invalidators;

    @Inject
    MeterRegistry registry;

    @Inject
    ScriptedInvalidatorHook hook;

    @Inject
    dev.cdccache.invalidation.config.CdcConfig cdcConfig;

    @Inject
    KafkaClients kafka;

    private RegionCache us;
    private RegionCache eu;

    @BeforeEach
    void instances() {
        us = TestRegionCaches.instance("us");
        eu = TestRegionCaches.instance("eu");
        awaitPipelineLive();
    }

    @AfterEach
    void close() {
        us.close();
        eu.close();
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = StackControl.database();
                Statement st = c.createStatement()) {
            for (String s : statements) {
                st.execute(s);
            }
        }
    }

    /** Caches a price and a product view for each id in both regions, in L2 and L1, as readers would. */
    private void cacheEverywhere(long... ids) throws Exception {
        Loader loader = k -> new Loader.Loaded("{\"k\":\"" + k + "\"}", 1);
        for (RegionCache rc : List.of(us, eu)) {
            for (long id : ids) {
                rc.cache().get(CacheKeys.price(id), loader);
                rc.cache().get(CacheKeys.productView(id), loader);
                assertNotNull(rc.l2().get(CacheKeys.productView(id)));
            }
        }
    }

    private boolean gone(RegionCache rc, long id) {
        return rc.l2().get(CacheKeys.price(id)) == null
                && rc.l2().get(CacheKeys.productView(id)) == null
                && rc.l1().getIfPresent(CacheKeys.productView(id)) == null;
    }

    private static boolean viewGone(RegionCache rc, long id) {
        return rc.l2().get(CacheKeys.productView(id)) == null
                && rc.l1().getIfPresent(CacheKeys.productView(id)) == null;
    }

    /** A marker write whose invalidation proves the slot, relay and both invalidators are all live. */
    private void awaitPipelineLive() {
        await().atMost(90, TimeUnit.SECONDS)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    cacheEverywhere(1);
                    sql("UPDATE prices SET currency = currency WHERE product_id = 1");
                    try {
                        await().atMost(3, TimeUnit.SECONDS).until(() -> gone(us, 1) && gone(eu, 1));
                        return true;
                    } catch (org.awaitility.core.ConditionTimeoutException e) {
                        return false;
                    }
                });
    }

    private static final long MAX_POLL_INTERVAL_MS = 4000;

    private double counter(String name, String region) {
        return registry.find(name).tags("region", region).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private static void awaitReady() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    private double processed(String region, String table) {
        return registry.find("cdc.invalidator.records").tags("region", region, "table", table).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    @Inject
    jakarta.enterprise.inject.Instance<RegionCache> readPath;

    /** The invalidation role alone: no read path, no L1, and only readers count as receivers of an eviction. */
    @Test
    void theInvalidatorHasNoReadPathAndDoesNotSubscribeToEvictions() {
        assertTrue(readPath.isUnsatisfied(), "no RegionCache (read path) in the invalidation-consumer");
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        io.vertx.redis.client.Redis raw =
                io.vertx.redis.client.Redis.createClient(vertx, StackControl.property("stack.redis.eu"));
        try {
            io.vertx.redis.client.Response numsub = raw.send(
                            io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PUBSUB)
                                    .arg("NUMSUB")
                                    .arg(dev.cdccache.cache.L1EvictionSubscriber.channelFor("eu")))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .join();
            // The only subscriber of eu's eviction channel is this test's own reader instance (field eu).
            assertEquals(1, numsub.get(1).toLong(), "subscribers of l1:evict:eu");
        } finally {
            raw.close();
            vertx.close();
        }
    }

    @Test
    void aRawSqlUpdateNoServiceInvalidatedIsInvalidatedInBothRegions() throws Exception {
        long id = 2002;
        cacheEverywhere(id);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(org.hamcrest.Matchers.containsString("cdc_invalidation_lag_seconds_bucket"));
        // The per-stage breakdown (make bench prints it): every stage of this change was timed, in both regions.
        for (String region : List.of("us", "eu")) {
            for (String stage : List.of("relay", "kafka", "del", "broadcast")) {
                await().atMost(BOUND)
                        .until(() ->
                                registry.find("cdc.stage.lag").tags("region", region, "stage", stage).timers().stream()
                                                .mapToLong(io.micrometer.core.instrument.Timer::count)
                                                .sum()
                                        >= 1);
            }
        }
    }

    @Test
    void changesCommittedWhileTheRelayIsDownAreAllInvalidatedWhenItReturns() throws Exception {
        long[] ids = LongStream.rangeClosed(3001, 3050).toArray();
        relay.stop();
        double usBefore = processed("us", "prices");
        double euBefore = processed("eu", "prices");
        try {
            for (long id : ids) {
                sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
            }
            cacheEverywhere(ids); // cached after the writes: only a replayed change can remove them now
        } finally {
            relay.start();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> LongStream.of(ids).allMatch(id -> gone(us, id) && gone(eu, id)));
        // A batch's records are counted after its DELs: the keys can be gone a moment before the count says so.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> processed("us", "prices") - usBefore >= ids.length
                        && processed("eu", "prices") - euBefore >= ids.length);
        assertTrue(processed("us", "prices") - usBefore >= ids.length, "us saw every change");
        assertTrue(processed("eu", "prices") - euBefore >= ids.length, "eu saw every change");
    }

    /**
     * Readiness and the nemesis' failover figure say "streaming" only once it is true: an engine that runs but has
     * not delivered a batch yet is STARTING (a cold start takes seconds), ACTIVE from its first batch on.
     */
    @Test
    void aRelayIsStartingUntilItsFirstBatch() throws Exception {
        relay.stop();
        relay.start();
        assertEquals(CdcRelay.Role.STARTING, relay.role(), "running, nothing streamed yet");
        assertEquals("starting: connecting to the slot, nothing streamed yet", relay.problem());
        await().atMost(Duration.ofSeconds(20)).until(() -> relay.role() == CdcRelay.Role.ACTIVE);
        assertNull(relay.problem());
    }

    /**
     * A warm standby relay (same slot, same offsets) waits while the active one streams, and takes over when it goes:
     * a change committed after the active relay stopped is invalidated by the standby, without any restart.
     */
    @Test
    void aStandbyRelayTakesOverTheSlotWhenTheActiveOneGoes() throws Exception {
        CdcRelay standby = new CdcRelay(cdcConfig, kafka, registry);
        standby.standBy();
        try {
            long id = 2201;
            cacheEverywhere(id);
            sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
            await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));
            assertEquals(CdcRelay.Role.ACTIVE, relay.role());
            await().atMost(Duration.ofSeconds(60)).until(() -> standby.role() == CdcRelay.Role.STANDBY);

            relay.stop();
            long after = 2202;
            cacheEverywhere(after);
            sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + after);
            await().atMost(Duration.ofSeconds(20)).until(() -> gone(us, after) && gone(eu, after));
            assertEquals(CdcRelay.Role.ACTIVE, standby.role());
        } finally {
            standby.stop();
            relay.start();
        }
    }

    /**
     * A standby is not ready until it has rehearsed a takeover: Debezium's start path on a throwaway slot, streaming
     * real changes, so that the first failover after a cold start is not a cold engine's (7.2 s measured). The
     * rehearsal leaves no slot behind, and drops one a killed rehearsal left.
     */
    @Test
    void aStandbyRehearsesTheTakeoverOnAThrowawaySlotAndLeavesNoSlotBehind() throws Exception {
        String leftover = cdcConfig.relay().slotName() + "_warmup_1";
        sql("SELECT pg_create_logical_replication_slot('" + leftover + "', 'pgoutput')");
        CdcRelay standby = new CdcRelay(cdcConfig, kafka, registry);
        standby.standBy();
        try {
            assertEquals(CdcRelay.Role.WARMING, standby.role(), "not ready for its role before the rehearsal");
            assertEquals("standby warming up: rehearsing a takeover on a throwaway slot", standby.problem());
            await().atMost(Duration.ofSeconds(60)).until(() -> standby.role() == CdcRelay.Role.STANDBY);
            assertTrue(
                    standby.warmUpDecoded() >= 3,
                    "each of the 3 rounds streamed a change; decoded " + standby.warmUpDecoded());
            assertEquals(List.of(cdcConfig.relay().slotName()), logicalSlots(), "only the relay's slot remains");
            assertEquals(CdcRelay.Role.ACTIVE, relay.role(), "the active relay streamed on throughout");
            long id = 2203;
            cacheEverywhere(id);
            sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
            await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));
        } finally {
            standby.stop();
        }
    }

    private static List<String> logicalSlots() throws Exception {
        List<String> slots = new ArrayList<>();
        try (Connection c = StackControl.database();
                Statement st = c.createStatement();
                var rs = st.executeQuery(
                        "SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'logical' ORDER BY 1")) {
            while (rs.next()) {
                slots.add(rs.getString(1));
            }
        }
        return slots;
    }

    @Test
    void anInvalidatorWhoseConsumerFailsMidBatchIsRecreatedAndInvalidatesEverything() throws Exception {
        long[] ids = LongStream.rangeClosed(3101, 3120).toArray();
        cacheEverywhere(ids);
        double restartsBefore = counter("cdc.invalidator.restarts", "eu");
        AtomicInteger received = new AtomicInteger();
        hook.onNextBatch("eu", null, records -> {
            received.set(records);
            throw new IllegalStateException("simulated failure with the batch received, nothing invalidated");
        });
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id BETWEEN 3101 AND 3120");
        await().atMost(BOUND).until(() -> LongStream.of(ids).allMatch(id -> gone(us, id)));
        await().atMost(Duration.ofSeconds(30)).until(() -> LongStream.of(ids).allMatch(id -> gone(eu, id)));
        assertTrue(received.get() > 0, "the failure happened with records in hand");
        assertTrue(counter("cdc.invalidator.restarts", "eu") > restartsBefore, "the supervisor recreated the consumer");
        assertTrue(invalidators.region("eu").isRunning());
        awaitReady();
    }

    /** A loop that stops turning (here: stuck in the hook) turns liveness DOWN, so an orchestrator would restart it. */
    @Test
    void aStuckInvalidatorLoopTurnsLivenessDownAndBackUpWhenItMovesAgain() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        hook.onNextBatch("us", null, records -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = 3501");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> given().get("/q/health/live").statusCode() == 503);
        } finally {
            release.countDown();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> given().get("/q/health/live").statusCode() == 200);
        long id = 3502;
        cacheEverywhere(id);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
        await().atMost(Duration.ofSeconds(30)).until(() -> gone(us, id) && gone(eu, id));
    }

    @Test
    void aRegionsRedisDownLongerThanTheMaxPollIntervalIsSurvivedAndEveryChangeMeanwhileIsProcessed() throws Exception {
        long[] ids = LongStream.rangeClosed(3301, 3310).toArray();
        double before = processed("eu", "prices");
        StackControl.stopRedis("eu");
        try {
            for (long id : ids) {
                sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
            }
            // Retrying against the stopped Redis, and not ready while it cannot invalidate.
            await().atMost(BOUND).until(() -> invalidators.region("eu").state() == RegionInvalidator.State.RETRYING);
            given().get("/q/health/ready").then().statusCode(503);
            // Outlive max.poll.interval.ms (4 s in the test profile) with the batch still not invalidated.
            long outageEnds = System.currentTimeMillis() + 3 * MAX_POLL_INTERVAL_MS;
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> System.currentTimeMillis() >= outageEnds);
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            StackControl.startRedis("eu");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> processed("eu", "prices") - before >= ids.length);
        // Still invalidating after the recovery that used to end the loop: a change made now is invalidated.
        long after = 3311;
        cacheEverywhere(after);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + after);
        await().atMost(BOUND).until(() -> gone(us, after) && gone(eu, after));
        assertTrue(invalidators.region("eu").isRunning());
        awaitReady();
    }

    /**
     * A member joining a region's group takes only the partitions that move to it: the member already there is not
     * made to give up (and stop invalidating) the ones it keeps. Before, the eager RangeAssignor revoked every
     * partition of every member on each join or leave, so a restarted invalidator stalled its whole region for the
     * rebalance (~2 s measured, the whole CDC bound).
     */
    @Test
    void aJoiningMemberTakesOnlyThePartitionsThatMoveTheOthersKeepTheirs() throws Exception {
        RegionInvalidator first = invalidators.region("us");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> first.state() == RegionInvalidator.State.INVALIDATING
                        && hook.owned("us", first.memberId()).size() >= 2);
        Set<TopicPartition> before = hook.owned("us", first.memberId());
        hook.forgetRevoked("us", first.memberId());
        RegionInvalidator joiner = invalidators.member("us", "joiner");
        joiner.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> joiner.state() == RegionInvalidator.State.INVALIDATING
                            && first.state() == RegionInvalidator.State.INVALIDATING
                            && !hook.owned("us", "joiner").isEmpty()
                            && hook.owned("us", first.memberId()).size()
                                            + hook.owned("us", "joiner").size()
                                    == before.size());
            Set<TopicPartition> moved = hook.owned("us", "joiner");
            assertEquals(moved, hook.revoked("us", first.memberId()), "only the partitions that moved were revoked");
            Set<TopicPartition> kept = new HashSet<>(before);
            kept.removeAll(moved);
            assertEquals(kept, hook.owned("us", first.memberId()), "the first member kept the rest");
            assertFalse(kept.isEmpty(), "the work is shared, not handed over");
            // Both keep invalidating: a change on every partition is gone in time.
            long[] ids = LongStream.rangeClosed(3501, 3530).toArray();
            cacheEverywhere(ids);
            for (long id : ids) {
                sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
            }
            await().atMost(BOUND).until(() -> LongStream.of(ids).allMatch(id -> gone(us, id) && gone(eu, id)));
        } finally {
            joiner.stop();
        }
    }

    @Test
    void twoMembersOfARegionShareTheWorkAndWhenOneIsKilledMidBatchNothingIsMissed() throws Exception {
        RegionInvalidator second = invalidators.member("us", "second");
        second.start();
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> second.state() == RegionInvalidator.State.INVALIDATING
                            && invalidators.region("us").state() == RegionInvalidator.State.INVALIDATING);
            long[] ids = LongStream.rangeClosed(3401, 3460).toArray();
            cacheEverywhere(ids);
            CountDownLatch inHand = new CountDownLatch(1);
            CountDownLatch killed = new CountDownLatch(1);
            hook.onNextBatch("us", "second", records -> {
                inHand.countDown();
                try {
                    killed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("killed with " + records + " records in hand");
            });
            Thread writer = new Thread(() -> {
                try {
                    for (long id : ids) {
                        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            assertTrue(inHand.await(30, TimeUnit.SECONDS), "the second member received a batch");
            Thread stopper = new Thread(() -> {
                try {
                    second.stop();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            stopper.start();
            await().atMost(BOUND).until(() -> !second.state().ready());
            killed.countDown(); // it dies holding its batch: nothing of it invalidated or committed
            stopper.join(30_000);
            writer.join(30_000);
            assertFalse(second.isRunning());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> LongStream.of(ids).allMatch(id -> gone(us, id) && gone(eu, id)));
        } finally {
            second.stop();
        }
    }

    /**
     * Each kind of record that cannot be invalidated as it is: it goes to the dead-letter topic of each region with
     * its reason, that table's key spaces are flushed (a cached key of an unrelated row goes), and the invalidators
     * go on with the next change. Before the fix the mappable-but-unmappable ones ended both regions' loops for good.
     */
    @Test
    void poisonRecordsAreDeadLetteredWithACompensatingFlushAndTheNextChangeIsStillInvalidated() throws Exception {
        record Poison(String topic, String value, String reason, long cachedId) {}
        String nonce = UUID.randomUUID().toString();
        List<Poison> poisons = List.of(
                new Poison("cdc.public.prices", "not-a-change-" + nonce, "not JSON", 2101),
                new Poison(
                        "cdc.public.prices",
                        "{\"table\":\"prices\",\"op\":\"UPDATE\",\"key\":{\"id\":42},\"n\":\"" + nonce + "\"}",
                        "without key column product_id",
                        2102),
                new Poison(
                        "cdc.public.products",
                        "{\"table\":\"products\",\"op\":\"UPDATE\",\"key\":{\"id\":\"abc\"},\"n\":\"" + nonce + "\"}",
                        "unmappable",
                        2103),
                new Poison(
                        "cdc.public.prices",
                        "{\"table\":\"inventory\",\"op\":\"UPDATE\",\"key\":{\"id\":1},\"n\":\"" + nonce + "\"}",
                        "table inventory on the topic of prices",
                        2104));
        for (Poison poison : poisons) {
            cacheEverywhere(poison.cachedId()); // no change event will ever name it: only the compensation removes it
            produce(poison.topic(), "{\"id\":0}", poison.value());
            // A products record flushes the product views; a prices record the prices and the views embedding them.
            await().atMost(BOUND)
                    .until(() -> poison.topic().endsWith("products")
                            ? viewGone(us, poison.cachedId()) && viewGone(eu, poison.cachedId())
                            : gone(us, poison.cachedId()) && gone(eu, poison.cachedId()));
            long next = poison.cachedId() + 100;
            cacheEverywhere(next);
            sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + next);
            await().atMost(BOUND).until(() -> gone(us, next) && gone(eu, next));
        }
        assertTrue(invalidators.region("us").isRunning()
                && invalidators.region("eu").isRunning());

        Map<String, List<String>> reasons = deadLetters(nonce, poisons.size() * 2);
        for (Poison poison : poisons) {
            List<String> got = reasons.getOrDefault(poison.value(), List.of());
            assertEquals(2, got.size(), "one dead letter per region for " + poison.value() + ": " + got);
            assertTrue(got.stream().allMatch(r -> r.contains(poison.reason())), poison.reason() + " in " + got);
        }
    }

    private static void produce(String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, StackControl.property("stack.kafka.bootstrap"),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
        }
    }

    /** Dead letters whose value contains {@code marker}: value → the dlq.reason header of each. */
    private static Map<String, List<String>> deadLetters(String marker, int expected) {
        Map<String, List<String>> reasons = new java.util.HashMap<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, StackControl.property("stack.kafka.bootstrap"),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            c.subscribe(List.of("cdc.dlq"));
            int[] seen = {0};
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && r.value().contains(marker)) {
                        Header h = r.headers().lastHeader("dlq.reason");
                        reasons.computeIfAbsent(r.value(), v -> new ArrayList<>())
                                .add(h == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
                        seen[0]++;
                    }
                }
                return seen[0] >= expected;
            });
        }
        return reasons;
    }

    @Test
    void aLostSlotStopsTheRelayLoudlyAndTheResetRecoversByFlushingEveryKeySpace() throws Exception {
        relay.stop();
        sql("SELECT pg_drop_replication_slot('cdc_relay')");
        long id = 2004;
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id); // lost with the slot
        relay.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !relay.isRunning() && relay.lastError() != null);
        assertTrue(
                relay.lastError().contains("no longer available")
                        || relay.lastError().contains("offset"),
                "a clear error, not a silent skip: " + relay.lastError());
        given().get("/q/health/ready").then().statusCode(503);

        given().get("/q/health/ready")
                .then()
                .body(
                        "checks.find { it.name == 'cdc' }.data.relay-problem",
                        org.hamcrest.Matchers.containsString("make cdc-reset"));

        cacheEverywhere(id, 2005); // stale entries nobody will ever get a change event for
        relay.start(true);
        // The reset window: start() has returned, the engine is still creating its slot. A value cached now and
        // changed now must not survive: the change is either captured by the new slot or covered by the flush,
        // which is published only once streaming has begun. Before the fix the flush went out at once.
        long inWindow = 2006;
        cacheEverywhere(inWindow);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + inWindow);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> gone(us, id)
                        && gone(eu, id)
                        && gone(us, 2005)
                        && gone(eu, 2005)
                        && gone(us, inWindow)
                        && gone(eu, inWindow));
        assertTrue(relay.isRunning());
        awaitReady();
    }

    @Test
    void createDeleteAndTruncateAreEachHandled() throws Exception {
        long id = 900_001;
        // create: clears a cached "does not exist"
        for (RegionCache rc : List.of(us, eu)) {
            assertTrue(rc.cache().get(CacheKeys.productView(id), k -> null).isNegative());
        }
        sql("INSERT INTO products (id, sku, name, category) VALUES (" + id + ", 'CDC-" + id + "', 'n', 'testing')");
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));

        // delete (with a price row, which the FK cascade deletes too: two delete events)
        sql("INSERT INTO prices (product_id, amount_minor, currency) VALUES (" + id + ", 100, 'USD')");
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));
        cacheEverywhere(id);
        sql("DELETE FROM products WHERE id = " + id);
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));

        // truncate: the whole price and product-view key spaces go
        long[] ids = {4001, 4002, 4003};
        cacheEverywhere(ids);
        try {
            sql("TRUNCATE prices");
            await().atMost(BOUND).until(() -> LongStream.of(ids).allMatch(i -> gone(us, i) && gone(eu, i)));
            assertNull(us.l2().get(CacheKeys.productView(4001)));
        } finally {
            sql("INSERT INTO prices (product_id, amount_minor, currency) SELECT id, 199 + (id * 7919) % 99800, 'USD' "
                    + "FROM products ON CONFLICT DO NOTHING");
        }
    }
}
