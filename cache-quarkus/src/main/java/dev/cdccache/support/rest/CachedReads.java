package dev.cdccache.support.rest;

import dev.cdccache.cache.CachedValue;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.core.Response;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The shape of every cached GET: an L1 hit is answered on the event loop (no worker hop); a request that finds a load
 * of its key already running joins it asynchronously; only a real miss runs the blocking L2/PostgreSQL path on a
 * worker thread.
 */
public final class CachedReads {

    private CachedReads() {
    }

    public static Uni<Response> read(CachedValue l1Hit, CompletableFuture<CachedValue> inFlight, Callable<CachedValue> miss,
                                     Function<CachedValue, Response> respond) {
        if (l1Hit != null) {
            return Uni.createFrom().item(respond.apply(l1Hit));
        }
        if (inFlight != null) {
            // Another request of this process is loading the key: wait for its result without a worker thread.
            return Uni.createFrom().completionStage(inFlight).map(respond)
                    // The loader's own failure (e.g. the bulkhead's 503), not its CompletionException wrapper.
                    .onFailure(CompletionException.class).transform(e -> e.getCause() == null ? e : e.getCause());
        }
        return Uni.createFrom().item(() -> {
            try {
                return respond.apply(miss.call());
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
