package dev.cdccache.support.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;
import org.junit.jupiter.api.Test;

/** How the read path's Redis guard names its failures (the {@code cause} tag of {@code cache.l2.unavailable}). */
class RedisGuardTest {

    private final RedisGuard guard = new RedisGuard();

    @Test
    void namesTheOpenCircuitTheGuardsTimeoutThePortsTimeoutAndTheRest() {
        assertEquals("circuit-open", guard.failureCause(new CircuitBreakerOpenException("open")));
        assertEquals("timeout", guard.failureCause(new TimeoutException("500 ms")));
        assertEquals(
                "timeout",
                guard.failureCause(new IllegalStateException(
                        "no answer within 250 ms", new java.util.concurrent.TimeoutException())));
        assertEquals("error", guard.failureCause(new IllegalStateException("Connection refused")));
    }
}
