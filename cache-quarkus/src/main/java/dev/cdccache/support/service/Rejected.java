package dev.cdccache.support.service;

/**
 * A well-formed request that a business rule refuses (it would overflow a price, touch too many rows): nothing was
 * changed. Domain code throws it; the REST layer answers 422.
 */
public class Rejected extends RuntimeException {

    public Rejected(String message) {
        super(message, null, false, false);
    }
}
