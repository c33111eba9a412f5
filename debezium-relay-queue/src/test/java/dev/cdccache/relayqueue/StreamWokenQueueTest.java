package dev.cdccache.relayqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.debezium.connector.base.ChangeEventQueue;
import io.debezium.pipeline.Sizeable;
import io.debezium.util.LoggingContext;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay's Debezium queue (io.debezium.connector.base.ChangeEventQueue in this module, which replaces Debezium's)
 * hands a change over as soon as it is queued, sleeps while idle (at least {@link ChangeEventQueue#IDLE_RETURN}, however
 * short the poll interval), and keeps Debezium's order, bounds and buffering. Debezium 3.6.1's own queue fails the
 * first two tests: it holds a single change until the poll interval ends, and returns (after spinning through its
 * last millisecond) every interval.
 */
class StreamWokenQueueTest {

    record Change(int n) implements Sizeable {
        @Override
        public long objectSize() {
            return 100;
        }
    }

    private static ChangeEventQueue<Change> queue(Duration pollInterval, int maxBatch, int maxQueue, long maxBytes) {
        return new ChangeEventQueue.Builder<Change>()
                .pollInterval(pollInterval)
                .maxBatchSize(maxBatch)
                .maxQueueSize(maxQueue)
                .maxQueueSizeInBytes(maxBytes)
                .loggingContextSupplier(() -> LoggingContext.forConnector("test", "test", "test"))
                .build();
    }

    @Test
    void aSingleChangeIsHandedOverWithoutWaitingForTheInterval() throws Exception {
        ChangeEventQueue<Change> q = queue(Duration.ofSeconds(3), 2048, 8192, 0);
        CompletableFuture.runAsync(() -> {
            try {
                TimeUnit.MILLISECONDS.sleep(100); // the poll is waiting by then
                q.enqueue(new Change(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long start = System.nanoTime();
        List<Change> batch = q.poll();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(List.of(new Change(1)), batch);
        assertTrue(ms < 1500, "handed over after " + ms + " ms; the poll interval is 3,000 ms");
    }

    @Test
    void anIdlePollSleepsInsteadOfSpinning() throws Exception {
        ChangeEventQueue<Change> q = queue(Duration.ofMillis(1), 2048, 8192, 0);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), q.poll());
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        // A 1 ms interval paces Debezium's streaming loop; it must not make an empty poll return 1,000 times a second.
        assertTrue(
                wall >= 3 * ChangeEventQueue.IDLE_RETURN.toNanos() - TimeUnit.MILLISECONDS.toNanos(5),
                "3 empty polls at a 1 ms interval returned after " + wall / 1_000_000 + " ms");
        assertTrue(cpu < wall * 0.2, "CPU " + cpu / 1_000_000 + " ms over " + wall / 1_000_000 + " ms of idle polls");
    }

    @Test
    void aLongerIntervalIsStillTheIdleWait() throws Exception {
        ChangeEventQueue<Change> q = queue(Duration.ofMillis(400), 2048, 8192, 0);
        long start = System.nanoTime();
        assertEquals(List.of(), q.poll());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 395, "an empty poll at a 400 ms interval returned after " + ms + " ms");
    }

    @Test
    void aProducerFailureWakesAnIdlePoll() throws Exception {
        ChangeEventQueue<Change> q = queue(Duration.ofSeconds(3), 16, 64, 0);
        CompletableFuture<Long> failedAfterMs = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try {
                q.poll();
                return -1L;
            } catch (IllegalStateException e) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -2L;
            }
        });
        TimeUnit.MILLISECONDS.sleep(100); // the poll is waiting by then
        q.producerException(new IllegalStateException("streaming failed"));
        long ms = failedAfterMs.get(5, TimeUnit.SECONDS);
        assertTrue(ms >= 0 && ms < 1500, "the failure reached the waiting poll after " + ms + " ms of a 3,000 ms wait");
    }

    @Test
    void aBulkArrivesWholeInOrderInBoundedBatches() throws Exception {
        int total = 20_000;
        ChangeEventQueue<Change> q = queue(Duration.ofMillis(10), 512, 1024, 50_000);
        CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < total; i++) {
                    q.enqueue(new Change(i));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        List<Change> received = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received.size() < total && System.nanoTime() < deadline) {
            List<Change> batch = q.poll();
            assertTrue(batch.size() <= 512, "batch of " + batch.size());
            received.addAll(batch);
            assertTrue(q.currentQueueSizeInBytes() <= 50_000, "bytes bound: " + q.currentQueueSizeInBytes());
        }
        producer.get(5, TimeUnit.SECONDS);
        assertEquals(total, received.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i, received.get(i).n());
        }
        assertEquals(0, q.currentQueueSizeInBytes());
        assertEquals(1024, q.remainingCapacity());
    }

    @Test
    void bufferingHoldsBackTheLastChangeUntilFlushed() throws Exception {
        ChangeEventQueue<Change> q = new ChangeEventQueue.Builder<Change>()
                .pollInterval(Duration.ofMillis(10))
                .maxBatchSize(16)
                .maxQueueSize(64)
                .loggingContextSupplier(() -> LoggingContext.forConnector("test", "test", "test"))
                .buffering()
                .build();
        q.enqueue(new Change(1));
        q.enqueue(new Change(2));
        assertEquals(List.of(new Change(1)), q.poll());
        q.flushBuffer(c -> new Change(c.n() * 10));
        q.disableBuffering();
        q.enqueue(new Change(3));
        assertEquals(List.of(new Change(20), new Change(3)), q.poll());
    }

    @Test
    void aProducerFailureReachesThePoll() {
        ChangeEventQueue<Change> q = queue(Duration.ofMillis(10), 16, 64, 0);
        q.producerException(new IllegalStateException("streaming failed"));
        try {
            q.poll();
        } catch (IllegalStateException e) {
            assertEquals("streaming failed", e.getMessage());
            return;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the producer's failure was not rethrown");
    }
}
