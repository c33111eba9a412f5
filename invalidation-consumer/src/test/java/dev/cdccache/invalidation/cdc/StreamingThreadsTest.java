package dev.cdccache.invalidation.cdc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

class StreamingThreadsTest {

    @Test
    void namesDebeziumsThreadsWithStateInnermostFramesAndWhoseWaitItIs() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(2);
        Runnable park = () -> {
            waiting.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread streaming = new Thread(park, "debezium-postgresconnector-test-stream");
        Thread other = new Thread(park, "unrelated-worker");
        streaming.start();
        other.start();
        try {
            assertTrue(waiting.await(10, TimeUnit.SECONDS));
            // Parked once its state says so (the latch counted down just before it parked).
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> StreamingThreads.describe(1).contains("test-stream (WAITING)"));
            String d = StreamingThreads.describe(1);
            assertTrue(d.contains("debezium-postgresconnector-test-stream (WAITING): "), d);
            assertTrue(d.contains("LockSupport.park"), "innermost frames first: " + d);
            assertTrue(
                    d.contains(" < … < dev.cdccache.invalidation.cdc.StreamingThreadsTest.lambda$"),
                    "then whose wait: " + d);
            assertFalse(
                    d.contains("java.lang.Thread.run"),
                    "one frame of own code, no JDK frames after the first three: " + d);
            assertFalse(d.contains("unrelated-worker"), d);
        } finally {
            release.countDown();
            streaming.join();
            other.join();
        }
    }
}
