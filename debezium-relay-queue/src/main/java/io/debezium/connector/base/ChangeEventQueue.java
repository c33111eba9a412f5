package io.debezium.connector.base;

import io.debezium.config.ConfigurationDefaults;
import io.debezium.pipeline.Sizeable;
import io.debezium.util.LoggingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The hand-over between Debezium's streaming thread and the engine, replacing Debezium 3.6.1's class of the same name
 * (removed from {@code debezium-connector-common} by {@code quarkus.class-loading.removed-resources} in
 * application.properties). Same API and the same bounds (queue size, bytes, buffering); one difference:
 *
 * <p><b>{@link #poll()} returns as soon as it holds a record.</b> Debezium's poll returns only when a whole batch
 * ({@code max.batch.size}, 2,048) is queued or {@code poll.interval.ms} has passed, so a single change waited up to a
 * whole interval here before the relay saw it — the largest stage of the CDC lag (docs/measurements.md). Its wait was
 * also truncated to whole milliseconds, so the last millisecond of every interval was a busy loop (69 % of an idle
 * relay's CPU; 48 % of a core at a 1 ms interval). Here the poll sleeps until a record is enqueued and then takes
 * whatever is queued, up to a batch. Under load batching still happens on its own: while the engine delivers one
 * batch to Kafka the streaming thread fills the queue for the next.
 *
 * <p><b>An empty poll returns after {@link #IDLE_RETURN} at the earliest, whatever {@code poll.interval.ms}
 * says.</b> The same setting also paces Debezium's streaming loop (its sleep when the replication stream is empty),
 * which is what a short interval is for; since a record wakes this poll at once, returning empty every interval only
 * cost wake-ups (an idle relay at 1 ms: 48 % of its CPU was this thread). An empty return is still needed now and
 * then: the engine commits offsets and flushes the slot's position in it.
 */
public class ChangeEventQueue<T extends Sizeable> implements ChangeEventQueueMetrics {

    private static final Logger LOGGER = LoggerFactory.getLogger(ChangeEventQueue.class);

    /** The shortest wait of an empty poll (capped at Debezium's return-control interval, 5 s). */
    public static final Duration IDLE_RETURN = Duration.ofMillis(100);

    private final Duration pollInterval;
    private final int maxBatchSize;
    private final int maxQueueSize;
    private final long maxQueueSizeInBytes;
    private final Lock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final QueueProvider<T> queue;
    private final Supplier<LoggingContext.PreviousContext> loggingContextSupplier;
    private final Queue<Long> sizeInBytesQueue;
    private long currentQueueSizeInBytes;
    private volatile boolean buffering;
    private final AtomicReference<T> bufferedEvent = new AtomicReference<>();
    private volatile RuntimeException producerException;

    private ChangeEventQueue(
            Duration pollInterval,
            int maxQueueSize,
            int maxBatchSize,
            Supplier<LoggingContext.PreviousContext> loggingContextSupplier,
            long maxQueueSizeInBytes,
            boolean buffering,
            QueueProvider<T> queue) {
        this.pollInterval = pollInterval;
        this.maxBatchSize = maxBatchSize;
        this.maxQueueSize = maxQueueSize;
        this.loggingContextSupplier = loggingContextSupplier;
        this.sizeInBytesQueue = new ArrayDeque<>(maxQueueSizeInBytes > 0 ? maxQueueSize : 0);
        this.maxQueueSizeInBytes = maxQueueSizeInBytes;
        this.buffering = buffering;
        this.queue = queue;
    }

    public static class Builder<T extends Sizeable> {

        private Duration pollInterval;
        private int maxQueueSize;
        private int maxBatchSize;
        private Supplier<LoggingContext.PreviousContext> loggingContextSupplier;
        private long maxQueueSizeInBytes;
        private boolean buffering;
        private QueueProvider<T> queueProvider;

        public Builder<T> pollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
            return this;
        }

        public Builder<T> maxQueueSize(int maxQueueSize) {
            this.maxQueueSize = maxQueueSize;
            return this;
        }

        public Builder<T> maxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
            return this;
        }

        public Builder<T> loggingContextSupplier(Supplier<LoggingContext.PreviousContext> loggingContextSupplier) {
            this.loggingContextSupplier = loggingContextSupplier;
            return this;
        }

        public Builder<T> maxQueueSizeInBytes(long maxQueueSizeInBytes) {
            this.maxQueueSizeInBytes = maxQueueSizeInBytes;
            return this;
        }

        public Builder<T> queueProvider(QueueProvider<T> queueProvider) {
            this.queueProvider = queueProvider;
            return this;
        }

        public Builder<T> buffering() {
            this.buffering = true;
            return this;
        }

        public ChangeEventQueue<T> build() {
            if (queueProvider == null) {
                DefaultQueueProvider<T> provider = new DefaultQueueProvider<>();
                provider.configure(java.util.Map.of(
                        io.debezium.config.CommonConnectorConfig.MAX_QUEUE_SIZE.name(), String.valueOf(maxQueueSize)));
                queueProvider = provider;
            }
            return new ChangeEventQueue<>(
                    pollInterval,
                    maxQueueSize,
                    maxBatchSize,
                    loggingContextSupplier,
                    maxQueueSizeInBytes,
                    buffering,
                    queueProvider);
        }
    }

    /**
     * Enqueues a record; with buffering on, the record before it (the last one is held back so that it can be marked
     * as the last of a snapshot).
     */
    public void enqueue(T record) throws InterruptedException {
        if (record == null) {
            return;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        if (buffering) {
            record = bufferedEvent.getAndSet(record);
            if (record == null) {
                return;
            }
        }
        doEnqueue(record);
    }

    /** Enqueues the held-back record, changed by {@code recordModifier}. */
    public void flushBuffer(Function<T, T> recordModifier) throws InterruptedException {
        assert buffering : "Unsupported for queues with disabled buffering";
        T record = bufferedEvent.getAndSet(null);
        if (record != null) {
            doEnqueue(recordModifier.apply(record));
        }
    }

    public void disableBuffering() {
        assert bufferedEvent.get() == null : "Buffer must be flushed";
        buffering = false;
    }

    public void enableBuffering() {
        buffering = true;
    }

    protected void doEnqueue(T record) throws InterruptedException {
        if (LOGGER.isTraceEnabled()) {
            LOGGER.trace("Enqueuing source record '{}'", record);
        }
        lock.lock();
        try {
            while (queue.size() >= maxQueueSize
                    || (maxQueueSizeInBytes > 0 && currentQueueSizeInBytes >= maxQueueSizeInBytes)) {
                notEmpty.signalAll();
                notFull.await(pollInterval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            queue.enqueue(record);
            if (maxQueueSizeInBytes > 0) {
                long size = record.objectSize();
                sizeInBytesQueue.add(size);
                currentQueueSizeInBytes += size;
            }
            // The difference from Debezium's queue: a waiting poll wakes for every record, not only for a full batch.
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Up to {@code max.batch.size} records: waits until at least one is queued, at most the poll interval or
     * {@link #IDLE_RETURN}, whichever is longer (capped at Debezium's return-control interval, so the engine regains
     * control to commit), and returns an empty list if none came. A producer failure or an interrupt (the engine
     * stopping) ends the wait at once.
     */
    public List<T> poll() throws InterruptedException {
        LoggingContext.PreviousContext previousContext = loggingContextSupplier.get();
        try {
            // Not Debezium's Temporals.max: it takes compareTo() == 1 for "longer", and Duration.compareTo returns
            // the nanosecond difference for durations under a second (max(400 ms, 100 ms) was 100 ms).
            long waitNanos = Math.min(
                    Math.max(pollInterval.toNanos(), IDLE_RETURN.toNanos()),
                    ConfigurationDefaults.RETURN_CONTROL_INTERVAL.toNanos());
            long deadline = System.nanoTime() + waitNanos;
            lock.lock();
            try {
                List<T> records = new ArrayList<>(Math.min(maxBatchSize, Math.max(1, queue.size())));
                throwProducerExceptionIfPresent();
                while (drainRecords(records, maxBatchSize - records.size()) == 0) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        break;
                    }
                    notFull.signalAll();
                    notEmpty.awaitNanos(remaining);
                    throwProducerExceptionIfPresent();
                }
                notFull.signalAll();
                return records;
            } finally {
                lock.unlock();
            }
        } finally {
            previousContext.restore();
        }
    }

    /** Moves up to {@code max} queued records into {@code records}; returns how many records it holds now. */
    private long drainRecords(List<T> records, int max) throws InterruptedException {
        int count = Math.min(queue.size(), max);
        for (int i = 0; i < count; i++) {
            T record = queue.poll();
            if (record == null) {
                break;
            }
            records.add(record);
            if (maxQueueSizeInBytes > 0) {
                Long size = sizeInBytesQueue.poll();
                currentQueueSizeInBytes -= size == null ? 0L : size;
            }
        }
        return records.size();
    }

    public void producerException(RuntimeException producerException) {
        this.producerException = producerException;
        lock.lock();
        try {
            notEmpty.signalAll(); // an idle poll would otherwise see it only when its wait ends
        } finally {
            lock.unlock();
        }
    }

    private void throwProducerExceptionIfPresent() {
        if (producerException != null) {
            throw producerException;
        }
    }

    @Override
    public int totalCapacity() {
        return maxQueueSize;
    }

    @Override
    public int remainingCapacity() {
        return maxQueueSize - queue.size();
    }

    @Override
    public long maxQueueSizeInBytes() {
        return maxQueueSizeInBytes;
    }

    @Override
    public long currentQueueSizeInBytes() {
        return currentQueueSizeInBytes;
    }

    public boolean isBuffered() {
        return buffering;
    }

    public void close() {
        try {
            queue.close();
        } catch (Exception e) {
            LOGGER.warn("Failed to close queue provider", e);
        }
    }
}
