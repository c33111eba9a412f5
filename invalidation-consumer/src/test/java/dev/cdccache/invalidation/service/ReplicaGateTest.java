package dev.cdccache.invalidation.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.invalidation.cdc.WalSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

class ReplicaGateTest {

    /** A replica that reaches {@code lsn} only after {@code lagMs}; counts the gate's looks. */
    private static final class LaggingReplica implements WalSource {
        final AtomicInteger reads = new AtomicInteger();
        final long caughtUpAt;
        final long lsn;

        LaggingReplica(long lsn, long lagMs) {
            this.lsn = lsn;
            this.caughtUpAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(lagMs);
        }

        @Override
        public long read() {
            reads.incrementAndGet();
            return System.nanoTime() >= caughtUpAt ? lsn : lsn - 100;
        }

        @Override
        public void close() {}
    }

    /**
     * A second of replica lag (the replica-lag fault) costs the gate a few hundred looks, not one per millisecond:
     * before, a fixed 1 ms poll ran ~1,000 queries per wait and member, CPU the loaded stack needed.
     */
    @Test
    void aLaggingReplicaIsPolledWithBackoffNotEveryMillisecond() throws Exception {
        LaggingReplica replica = new LaggingReplica(5_000, 1_000);
        ReplicaGate gate = new ReplicaGate("eu", replica, new SimpleMeterRegistry());
        assertTrue(gate.awaitReplayed(5_000, Duration.ofSeconds(10)));
        assertTrue(System.nanoTime() >= replica.caughtUpAt, "released only once the replica has the change");
        assertTrue(replica.reads.get() <= 1_000 / 5 + 10, "looks at the replica: " + replica.reads.get());
    }

    @Test
    void anUnreachableReplicaFailsTheWaitWithACategoryAndACaughtUpOneReleasesAtOnce() throws Exception {
        ReplicaGate down = new ReplicaGate(
                "eu",
                new WalSource() {
                    @Override
                    public long read() throws SQLException {
                        throw new SQLException("refused", "08001");
                    }

                    @Override
                    public void close() {}
                },
                new SimpleMeterRegistry());
        assertFalse(down.awaitReplayed(1, Duration.ofSeconds(1)));
        assertEquals("replica unreachable (08001)", down.problem());

        LaggingReplica upToDate = new LaggingReplica(7, 0);
        ReplicaGate gate = new ReplicaGate("eu", upToDate, new SimpleMeterRegistry());
        assertTrue(gate.awaitReplayed(7, Duration.ofSeconds(1)));
        assertEquals(1, upToDate.reads.get());
    }
}
