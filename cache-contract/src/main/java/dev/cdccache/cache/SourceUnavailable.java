package dev.cdccache.cache;

/**
 * The source of truth could not answer a load: overloaded (no permit in time) or down (connection refused, lost,
 * shutting down). A data class with a grace period may then serve its last L2 value past its TTL; the others fail
 * explicitly (503 with {@code Retry-After}).
 */
public class SourceUnavailable extends RuntimeException {

    private final int retryAfterSeconds;

    public SourceUnavailable(String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** What the client is told to wait before retrying. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
