package dev.cdccache.cache;

/**
 * Test seam between a reader's database read and its L2 fill: the stale-set race is reproduced by pausing a reader
 * here while a write and its invalidation go by. Production wiring uses {@link #NONE}.
 */
@FunctionalInterface
interface FillHook {

    FillHook NONE = key -> {};

    void beforeFill(String key) throws InterruptedException;
}
