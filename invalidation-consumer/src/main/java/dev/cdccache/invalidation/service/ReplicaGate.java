package dev.cdccache.invalidation.service;

import dev.cdccache.invalidation.cdc.WalPosition;
import dev.cdccache.invalidation.cdc.WalSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The replica gate of a region that reads a replica: its invalidator deletes a batch's keys only once the region's
 * replica has replayed the WAL up to the batch's visible position (the relay's stamp, at or past every commit in
 * it). Deleting earlier would let the next miss refill the cache from the replica with the pre-change row, and that
 * stale value would then outlive every invalidation already spent (Facebook, "Scaling Memcache", §5).
 *
 * <p>Used by one invalidator thread; the gauges are read from others.
 */
public final class ReplicaGate implements AutoCloseable {

    /**
     * How often a waiting gate looks at the replica again (one tiny query on a kept-open local connection): after
     * 1 ms, then twice as long each time up to 5 ms. A fixed 1 ms poll cost a thousand queries a second per member
     * while the replica lagged (the replica-lag fault: a second per batch, two members), CPU the rest of the stack
     * needed; the backoff adds at most 5 ms to a wait.
     */
    private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** What the replica has replayed; a {@link WalPosition} in production. */
    private final WalSource replayed;

    private final Timer waits;
    private final AtomicLong replayedLsn = new AtomicLong(-1);
    private final AtomicLong wantedLsn = new AtomicLong(-1);
    private volatile String problem;

    public ReplicaGate(String region, String jdbcUrl, String user, String password, MeterRegistry registry) {
        this(region, new WalPosition(jdbcUrl, user, password, WalPosition.REPLICA_REPLAYED), registry);
    }

    ReplicaGate(String region, WalSource replayed, MeterRegistry registry) {
        this.replayed = replayed;
        List<Tag> tags = List.of(Tag.of("region", region));
        this.waits = Timer.builder("cdc.gate.wait")
                .description("how long a batch waited for the region's replica to replay its changes")
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry);
        registry.gauge("cdc.replica.behind.bytes", tags, this, ReplicaGate::behindBytes);
    }

    /**
     * Waits up to {@code maxWait} for the replica to replay up to {@code lsn}; true when it has. False (with
     * {@link #problem()} saying why) when it is still behind or unreachable: the caller keeps the batch and retries.
     */
    public boolean awaitReplayed(long lsn, Duration maxWait) throws InterruptedException {
        wantedLsn.accumulateAndGet(lsn, Math::max);
        if (replayedLsn.get() >= lsn) {
            waits.record(0, TimeUnit.NANOSECONDS);
            return true;
        }
        long start = System.nanoTime();
        long deadline = start + maxWait.toNanos();
        long pause = FIRST_POLL_NANOS;
        while (true) {
            try {
                replayedLsn.set(replayed.read());
            } catch (SQLException e) {
                problem = "replica unreachable (" + e.getSQLState() + ")";
                return false;
            }
            if (replayedLsn.get() >= lsn) {
                problem = null;
                waits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return true;
            }
            if (System.nanoTime() > deadline) {
                problem = "replica " + (lsn - replayedLsn.get()) + " bytes of WAL behind for more than "
                        + maxWait.toMillis() + " ms";
                return false;
            }
            TimeUnit.NANOSECONDS.sleep(pause);
            pause = Math.min(pause * 2, MAX_POLL_NANOS);
        }
    }

    /** Why the last wait failed; null when the replica kept up. */
    public String problem() {
        return problem;
    }

    private double behindBytes() {
        long replayedNow = replayedLsn.get();
        return replayedNow < 0 ? Double.NaN : Math.max(0, wantedLsn.get() - replayedNow);
    }

    @Override
    public void close() {
        replayed.close();
    }
}
