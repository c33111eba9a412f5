package dev.cdccache.support.cache;

import jakarta.enterprise.context.RequestScoped;

import java.util.List;

/** What the current request's write path did to the caches; the response carries it as a header. */
@RequestScoped
public class InvalidationReport {

    /** Outcomes from strongest to weakest. */
    private static final List<String> RANK = List.of("complete", "partial", "deferred-to-cdc");

    private String outcome;

    public String outcome() {
        return outcome;
    }

    void record(String outcome) {
        // A request that writes twice reports the weaker of its outcomes.
        if (this.outcome == null || RANK.indexOf(outcome) > RANK.indexOf(this.outcome)) {
            this.outcome = outcome;
        }
    }
}
