package dev.cdccache.cache;

/**
 * A read's admission (a rate limit) refused it before it cost Redis or the database. It is the refused request's
 * own answer: a request that merely joined the refused request's load retries with its own admission.
 */
public class AdmissionRefused extends RuntimeException {

    public AdmissionRefused(String message) {
        super(message, null, false, false);
    }
}
