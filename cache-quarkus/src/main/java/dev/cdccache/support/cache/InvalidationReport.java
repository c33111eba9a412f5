package dev.cdccache.support.cache;

import dev.cdccache.cache.CacheInvalidator;
import jakarta.enterprise.context.RequestScoped;

import java.util.List;

/** What the current request's write path did to the caches; the response carries it as a header. */
@RequestScoped
public class InvalidationReport {

    /** Outcomes from strongest to weakest. */
    private static final List<String> RANK = List.of("complete", "partial", "deferred-to-cdc");

    private CacheInvalidator.Result weakest;

    /** {@code complete}, {@code partial} or {@code deferred-to-cdc}; null when the request wrote nothing. */
    public String outcome() {
        return weakest == null ? null : weakest.outcome();
    }

    /** The weakest invalidation of this request, or null when it wrote nothing. */
    public CacheInvalidator.Result result() {
        return weakest;
    }

    void record(CacheInvalidator.Result result) {
        // A request that writes twice reports the weaker of its outcomes.
        if (weakest == null || RANK.indexOf(result.outcome()) > RANK.indexOf(weakest.outcome())) {
            weakest = result;
        }
    }
}
