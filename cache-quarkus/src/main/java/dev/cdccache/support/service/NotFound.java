package dev.cdccache.support.service;

/** The thing a request names does not exist (or no longer does). Domain code throws it; the REST layer answers 404. */
public class NotFound extends RuntimeException {

    public NotFound(String message) {
        super(message, null, false, false);
    }
}
