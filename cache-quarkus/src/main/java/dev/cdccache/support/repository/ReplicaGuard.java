package dev.cdccache.support.repository;

import dev.cdccache.cache.Guard;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;

import java.util.concurrent.Callable;

/**
 * Reads of the region's replica. After 10 calls with half failing the circuit opens for 2 s: reads then go to the
 * primary at once instead of paying a connection timeout each. The time bound of one call is the replica
 * datasource's own (connect, socket and acquisition timeouts), not an interrupt of a JDBC call.
 * Override with {@code quarkus.fault-tolerance."dev.cdccache.support.repository.ReplicaGuard/call".circuit-breaker.*}.
 */
@ApplicationScoped
public class ReplicaGuard implements Guard {

    public static final String NAME = "replica-reads";

    @Override
    @CircuitBreakerName(NAME)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 2000, successThreshold = 2)
    public <T> T call(Callable<T> call) throws Exception {
        return call.call();
    }
}
