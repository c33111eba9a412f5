package dev.cdccache.support.cache;

import dev.cdccache.cache.Guard;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;

import java.util.concurrent.Callable;

/**
 * The write path's DEL and L1 broadcast. Deliberately not behind the read path's circuit breaker: reads that time
 * out on one slow Redis must not make a write skip its invalidation. A DEL is idempotent, so a failed attempt is
 * retried; what still fails is reported to the client ({@code X-Cache-Invalidation}) and left to the CDC backstop.
 * Override with {@code quarkus.fault-tolerance."dev.cdccache.support.cache.InvalidationGuard/call".*}.
 */
@ApplicationScoped
public class InvalidationGuard implements Guard {

    @Override
    @Timeout(1000)
    @Retry(maxRetries = 2, delay = 20, jitter = 10, abortOn = InterruptedException.class)
    public <T> T call(Callable<T> call) throws Exception {
        return call.call();
    }
}
