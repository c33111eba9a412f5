package dev.cdccache.support.cache;

import dev.cdccache.cache.AdmissionRefused;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.LayeredCache;
import dev.cdccache.cache.Loader;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The shape of every cached read served over HTTP: an L1 hit completes at once on the event loop (no worker hop); a
 * request that finds a load of its key already running joins it asynchronously; only a real miss runs the blocking
 * L2/PostgreSQL path on a worker thread.
 */
public final class CachedReads {

    private CachedReads() {}

    /**
     * The value of {@code key} as {@code present} makes it. An L1 hit is presented on the calling thread and wrapped
     * in a completed Uni: no operator, no context-propagation wrapper, no subscription chain (they cost an L1 hit
     * about a tenth of its CPU time; docs/measurements.md).
     */
    public static <R> Uni<R> read(LayeredCache cache, String key, Loader loader, Function<CachedValue, R> present) {
        return read(cache, key, loader, () -> {}, present);
    }

    /**
     * As above; {@code admission} runs (on the worker, it may call Redis) for the request that loads the key in this
     * process, and may refuse it by throwing {@link AdmissionRefused} (a rate limit): hits and reads joining a load
     * cost nothing; one that joined a refused load retries with its own admission.
     */
    public static <R> Uni<R> read(
            LayeredCache cache, String key, Loader loader, Runnable admission, Function<CachedValue, R> present) {
        CachedValue hit = cache.getIfPresentL1(key, loader);
        if (hit != null) {
            return Uni.createFrom().item(present.apply(hit));
        }
        return miss(cache, key, loader, admission).map(present);
    }

    private static Uni<CachedValue> miss(LayeredCache cache, String key, Loader loader, Runnable admission) {
        CompletableFuture<CachedValue> inFlight = cache.inFlight(key);
        if (inFlight != null) {
            // Another request of this process is loading the key: wait for its result without a worker thread.
            return Uni.createFrom()
                    .completionStage(inFlight)
                    // The loader's own failure (e.g. the database limit's 503), not its CompletionException wrapper.
                    .onFailure(CompletionException.class)
                    .transform(e -> e.getCause() == null ? e : e.getCause())
                    // Another client's refusal is not this request's answer: load it with its own admission.
                    .onFailure(AdmissionRefused.class)
                    .recoverWithUni(() -> load(cache, key, loader, admission));
        }
        return load(cache, key, loader, admission);
    }

    private static Uni<CachedValue> load(LayeredCache cache, String key, Loader loader, Runnable admission) {
        return Uni.createFrom()
                .item(() -> {
                    try {
                        return cache.get(key, loader, admission);
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
