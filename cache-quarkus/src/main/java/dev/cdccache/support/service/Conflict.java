package dev.cdccache.support.service;

/**
 * The write lost against the current state: the row is at another version than the caller expected, it was written
 * concurrently, or a unique value is taken. Nothing was changed; the REST layer answers 409 with {@link #title()}.
 */
public class Conflict extends RuntimeException {

    private final boolean versionMismatch;

    private Conflict(String message, boolean versionMismatch) {
        super(message, null, false, false);
        this.versionMismatch = versionMismatch;
    }

    /** The caller's expected version (If-Match or body) is not the row's: re-read and retry. */
    public static Conflict version(String message) {
        return new Conflict(message, true);
    }

    /** A unique value is taken or the row was created concurrently. */
    public static Conflict state(String message) {
        return new Conflict(message, false);
    }

    public String title() {
        return versionMismatch ? "Version Conflict" : "Conflict";
    }
}
