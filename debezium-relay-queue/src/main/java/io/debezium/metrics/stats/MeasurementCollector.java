package io.debezium.metrics.stats;

import io.debezium.metrics.event.MeasurementEvent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Debezium's streaming statistics collector, replacing Debezium 3.6.1's class of the same name (removed from {@code
 * debezium-connector-common} by {@code quarkus.class-loading.removed-resources} in invalidation-consumer's
 * application.properties, as {@code ChangeEventQueue} is). Same API; one difference: a measurement is applied on the
 * thread that reports it, instead of being handed through a 1,000-event queue to a publisher thread of its own.
 *
 * <p>Why: the streaming thread reports one lag measurement per change, and the hand-off woke the publisher for each
 * (a lock, a signal, a context switch): 13.7 % of the relay's CPU over five 10,000-row bulks (async-profiler, session
 * 19), for statistics the relay leaves disabled ({@code NoopStatistics}). Each measurement has one writer (the
 * connector's streaming thread) as before; readers (JMX) read it as they did.
 */
public class MeasurementCollector<T extends MeasurementEvent> implements Consumer<T> {

    private final Map<Class<T>, Measurement<T>> measurements = new ConcurrentHashMap<>();

    @Override
    public void accept(T event) {
        Measurement<T> m = measurements.get(event.getClass());
        if (m != null) {
            m.accept(event);
        }
    }

    public void addMeasurement(Class<T> eventType, Measurement<T> measurement) {
        measurements.put(eventType, measurement);
    }

    /** Nothing to start: measurements are applied as they are reported. */
    public void start() {}

    public void stop() {}

    /** Debezium's reset dropped the queued events; nothing is queued here. */
    public void reset() {}
}
