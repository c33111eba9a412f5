package dev.cdccache.support.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.RedisPort;
import dev.cdccache.stack.StackControl;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The adapter's promises that the L2 protocol and the L1 lease rely on, against the test stack's Redis. */
class VertxRedisPortTest {

    private static final Vertx VERTX = Vertx.vertx();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    /**
     * A subscription ping completes only after every message published before it was sent has been delivered, even
     * while messages flood in. (A PING sent down the subscribed connection itself fails this: Vert.x 4.5 drops the
     * pending reply's waiter when a push frame arrives first, and the ping never completes.)
     */
    @Test
    void aPingAnswersAfterEveryMessagePublishedBeforeItEvenUnderAFlood() throws Exception {
        String channel = "test:" + UUID.randomUUID();
        AtomicLong delivered = new AtomicLong();
        try (VertxRedisPort subscriber = VertxRedisPort.create(VERTX, StackControl.property("stack.redis.us"), 250);
                VertxRedisPort publisher = VertxRedisPort.create(VERTX, StackControl.property("stack.redis.us"), 250)) {
            RedisPort.Subscription sub = subscriber.subscribe(List.of(channel), new RedisPort.SubscriptionListener() {
                @Override
                public void message(String ch, String message) {
                    assertEquals(delivered.get() + 1, Long.parseLong(message), "in order, none lost");
                    delivered.set(Long.parseLong(message));
                }

                @Override
                public void ended(Throwable cause) {}
            });
            AtomicLong published = new AtomicLong();
            Thread flood = new Thread(() -> {
                for (long i = 1; i <= 3000; i++) {
                    publisher.publish(channel, Long.toString(i));
                    published.set(i);
                }
            });
            flood.start();
            List<CompletableFuture<Boolean>> checks = new ArrayList<>();
            while (flood.isAlive()) {
                long acknowledgedBefore = published.get();
                checks.add(sub.ping()
                        .thenApply(v -> delivered.get() >= acknowledgedBefore)
                        .toCompletableFuture());
                Thread.sleep(2);
            }
            flood.join();
            assertTrue(checks.size() > 10, "pings raced the flood: " + checks.size());
            for (CompletableFuture<Boolean> check : checks) {
                assertTrue(check.get(2, TimeUnit.SECONDS), "a ping answered before an earlier message arrived");
            }
            assertTrue(sub.isOpen());
        }
    }

    /** Scripts are called by SHA; after SCRIPT FLUSH (as after a restart) the adapter loads them again, once. */
    @Test
    void aScriptIsLoadedAgainWhenRedisForgotIt() {
        try (VertxRedisPort redis = VertxRedisPort.create(VERTX, StackControl.property("stack.redis.us"), 250)) {
            RedisPort.Script script = new RedisPort.Script("echo", "return ARGV[1]");
            assertEquals("a", redis.eval(script, List.of(), List.of("a")));
            io.vertx.redis.client.Redis raw =
                    io.vertx.redis.client.Redis.createClient(VERTX, StackControl.property("stack.redis.us"));
            try {
                raw.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.SCRIPT)
                                .arg("FLUSH"))
                        .toCompletionStage()
                        .toCompletableFuture()
                        .join();
            } finally {
                raw.close();
            }
            assertEquals("b", redis.eval(script, List.of(), List.of("b")));
        }
    }
}
