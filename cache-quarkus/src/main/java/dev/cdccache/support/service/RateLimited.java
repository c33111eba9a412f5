package dev.cdccache.support.service;

/** A client used up its budget of an endpoint class for the current window; the REST layer answers 429. */
public class RateLimited extends RuntimeException {

    private final long retryAfterMillis;

    public RateLimited(String message, long retryAfterMillis) {
        super(message, null, false, false);
        this.retryAfterMillis = retryAfterMillis;
    }

    /** When the oldest request of the window leaves it, making room for one more. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }
}
