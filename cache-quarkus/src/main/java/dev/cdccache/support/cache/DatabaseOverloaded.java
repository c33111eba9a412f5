package dev.cdccache.support.cache;

import dev.cdccache.cache.SourceUnavailable;

/**
 * A cache-miss load waited its whole queue timeout for a database permit: the database is too slow for the load
 * offered, so this request is shed (503 with Retry-After) rather than queued without bound.
 */
public class DatabaseOverloaded extends SourceUnavailable {

    public DatabaseOverloaded(String message) {
        super(message, 1);
    }
}
