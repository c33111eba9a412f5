package dev.cdccache.support.cache;

import dev.cdccache.cache.Guard;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException;

import java.util.concurrent.Callable;

/**
 * Every L2 call of the read path goes through here (invalidations go through {@link InvalidationGuard}). After 10
 * calls with half of them failing the circuit opens for 2 s: reads then skip Redis entirely (straight to PostgreSQL
 * behind {@link DbGuard}) instead of paying a timeout each.
 * Override with {@code quarkus.fault-tolerance."dev.cdccache.support.cache.RedisGuard/call".circuit-breaker.*}.
 */
@ApplicationScoped
public class RedisGuard implements Guard {

    public static final String NAME = "redis-reads";

    @Override
    @Timeout(500)
    @CircuitBreakerName(NAME)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 2000, successThreshold = 2)
    public <T> T call(Callable<T> call) throws Exception {
        return call.call();
    }

    @Override
    public String failureCause(Throwable failure) {
        if (failure instanceof CircuitBreakerOpenException) {
            return "circuit-open";
        }
        if (failure instanceof TimeoutException) {
            return "timeout";
        }
        return Guard.super.failureCause(failure);
    }
}
