package dev.cdccache.support.service;

import dev.cdccache.cache.AdmissionRefused;

/** A client used up its budget of an endpoint class for the current window; the REST layer answers 429. */
public class RateLimited extends AdmissionRefused {

    private final long retryAfterMillis;

    public RateLimited(String message, long retryAfterMillis) {
        super(message);
        this.retryAfterMillis = retryAfterMillis;
    }

    /** When the oldest request of the window leaves it, making room for one more. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
