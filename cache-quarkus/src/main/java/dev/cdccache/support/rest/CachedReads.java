package dev.cdccache.support.rest;

import dev.cdccache.cache.CachedValue;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.core.Response;

import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The shape of every cached GET: an L1 hit is answered on the event loop (no worker hop); a miss runs the blocking
 * L2/PostgreSQL path on a worker thread.
 */
public final class CachedReads {

    private CachedReads() {
    }

    public static Uni<Response> read(CachedValue l1Hit, Callable<CachedValue> miss, Function<CachedValue, Response> respond) {
        if (l1Hit != null) {
            return Uni.createFrom().item(respond.apply(l1Hit));
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
