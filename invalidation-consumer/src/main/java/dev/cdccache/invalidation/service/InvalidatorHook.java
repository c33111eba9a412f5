package dev.cdccache.invalidation.service;

/**
 * Seam between receiving a batch and invalidating it: tests make a consumer fail there, as a crash mid-batch would.
 * Production wiring uses {@link #NONE} (see {@link InvalidatorHookProducer}).
 */
@FunctionalInterface
public interface InvalidatorHook {

    InvalidatorHook NONE = (region, memberId, records) -> {};

    /** Called with the records of a poll before any of them is invalidated or committed. */
    void batchReceived(String region, String memberId, int records);
}
