package dev.cdccache.cache;

import java.util.concurrent.Callable;

/**
 * Wraps calls to a dependency with fault tolerance. The services implement it with SmallRye Fault Tolerance
 * (timeout + circuit breaker for Redis, an adaptive limit for database loads); plain tests use {@link #DIRECT}.
 */
@FunctionalInterface
public interface Guard {

    Guard DIRECT = new Guard() {
        @Override
        public <T> T call(Callable<T> call) throws Exception {
            return call.call();
        }
    };

    <T> T call(Callable<T> call) throws Exception;
}
