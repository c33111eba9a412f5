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

    /**
     * Why a call through this guard failed, as a metric tag: {@code timeout} (no answer in time), {@code
     * circuit-open} (refused without trying), or {@code error}. A dependency that is slow and one that is down call
     * for different fixes, so the counters keep them apart.
     */
    default String failureCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) {
                return "timeout";
            }
        }
        return "error";
    }
}
