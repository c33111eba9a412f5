package dev.cdccache.cache;

/**
 * Test seam inside a key-space flush, between its lease scan and its key scan: lets a test land a paused reader's
 * fill exactly there. Production wiring uses {@link #NONE}.
 */
@FunctionalInterface
interface FlushHook {

    FlushHook NONE = prefix -> {};

    void betweenScans(String prefix) throws InterruptedException;
}
