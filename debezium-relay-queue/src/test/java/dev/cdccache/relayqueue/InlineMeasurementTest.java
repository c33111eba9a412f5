package dev.cdccache.relayqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.debezium.metrics.event.LagBehindSourceEvent;
import io.debezium.metrics.stats.Measurement;
import io.debezium.metrics.stats.MeasurementCollector;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * The relay's MeasurementCollector (this module's, not Debezium's: the class on this test's class path comes first)
 * applies a measurement on the reporting thread, at once, and starts no thread of its own.
 */
class InlineMeasurementTest {

    @Test
    void aReportedMeasurementIsAppliedOnTheReportingThreadWithoutAPublisherThread() {
        MeasurementCollector<LagBehindSourceEvent> collector = new MeasurementCollector<>();
        List<String> appliedOn = new ArrayList<>();
        Measurement<LagBehindSourceEvent> lag =
                e -> appliedOn.add(Thread.currentThread().getName());
        collector.addMeasurement(LagBehindSourceEvent.class, lag);
        int threadsBefore = Thread.activeCount();

        collector.start();
        collector.accept(new LagBehindSourceEvent(12));

        assertEquals(List.of(Thread.currentThread().getName()), appliedOn);
        assertEquals(threadsBefore, Thread.activeCount(), "no publisher thread started");
        collector.stop();
    }
}
