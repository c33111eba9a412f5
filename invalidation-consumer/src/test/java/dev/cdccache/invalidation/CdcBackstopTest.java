package dev.cdccache.invalidation;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.invalidation.cdc.CdcRelay;
import dev.cdccache.invalidation.service.Invalidators;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        try (Connection c = DriverManager.getConnection(StackControl.property("stack.pg.jdbc-url"),
                StackControl.property("stack.pg.user"), StackControl.property("stack.pg.password"));
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
        return rc.l2().get(CacheKeys.price(id)) == null && rc.l2().get(CacheKeys.productView(id)) == null
                && rc.l1().getIfPresent(CacheKeys.productView(id)) == null;
    }

    /** A marker write whose invalidation proves the slot, relay and both invalidators are all live. */
    private void awaitPipelineLive() {
        await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() -> {
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

    private double processed(String region, String table) {
        return registry.find("cdc.invalidator.records").tags("region", region, "table", table).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    @Test
    void aRawSqlUpdateNoServiceInvalidatedIsInvalidatedInBothRegions() throws Exception {
        long id = 2002;
        cacheEverywhere(id);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("cdc_invalidation_lag_seconds_bucket"));
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
        await().atMost(Duration.ofSeconds(30)).until(() -> LongStream.of(ids).allMatch(id -> gone(us, id) && gone(eu, id)));
        assertTrue(processed("us", "prices") - usBefore >= ids.length, "us saw every change");
        assertTrue(processed("eu", "prices") - euBefore >= ids.length, "eu saw every change");
    }

    @Test
    void anInvalidatorKilledMidBatchInvalidatesEverythingAfterRestart() throws Exception {
        long[] ids = LongStream.rangeClosed(3101, 3120).toArray();
        cacheEverywhere(ids);
        var euInvalidator = invalidators.region("eu");
        euInvalidator.crashBeforeNextInvalidation();
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id BETWEEN 3101 AND 3120");
        await().atMost(BOUND).until(() -> !euInvalidator.isRunning());
        await().atMost(BOUND).until(() -> LongStream.of(ids).allMatch(id -> gone(us, id)));
        assertTrue(LongStream.of(ids).noneMatch(id -> gone(eu, id)), "eu died before invalidating anything");

        euInvalidator.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> LongStream.of(ids).allMatch(id -> gone(eu, id)));
    }

    @Test
    void aMalformedRecordGoesToTheDeadLetterTopicAndTheNextChangeIsStillInvalidated() throws Exception {
        String garbage = "not-a-change-" + UUID.randomUUID();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, StackControl.property("stack.kafka.bootstrap"),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            p.send(new ProducerRecord<>("cdc.public.prices", "{\"product_id\":2003}", garbage)).get(10, TimeUnit.SECONDS);
        }
        long id = 2003;
        cacheEverywhere(id);
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id);
        await().atMost(BOUND).until(() -> gone(us, id) && gone(eu, id));

        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, StackControl.property("stack.kafka.bootstrap"),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            c.subscribe(List.of("cdc.dlq"));
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    if (garbage.equals(r.value())) {
                        Header h = r.headers().lastHeader("dlq.reason");
                        reasons.add(h == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
                    }
                }
                return reasons.size() >= 2; // one per region's invalidator
            });
        }
        assertEquals(List.of("not JSON", "not JSON"), reasons);
    }

    @Test
    void aLostSlotStopsTheRelayLoudlyAndTheResetRecoversByFlushingEveryKeySpace() throws Exception {
        relay.stop();
        sql("SELECT pg_drop_replication_slot('cdc_relay')");
        long id = 2004;
        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = " + id); // lost with the slot
        relay.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !relay.isRunning() && relay.lastError() != null);
        assertTrue(relay.lastError().contains("no longer available") || relay.lastError().contains("offset"),
                "a clear error, not a silent skip: " + relay.lastError());
        given().get("/q/health/ready").then().statusCode(503);

        cacheEverywhere(id, 2005); // stale entries nobody will ever get a change event for
        relay.start(true);
        await().atMost(Duration.ofSeconds(60)).until(() -> gone(us, id) && gone(eu, id) && gone(us, 2005) && gone(eu, 2005));
        assertTrue(relay.isRunning());
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
