package dev.cdccache.invalidation.cdc;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * WARN lines for changes that took longer than {@code cdc.slow-change-log} from commit to a stage's end, with where
 * the time went. At most one line a second per owner; the lines held back meanwhile are counted in the next one, so
 * a stall of the whole path is one line per second rather than one per change.
 */
public final class SlowChangeLog {

    private static final long MIN_GAP_MS = 1000;

    private final Consumer<String> sink;
    private final long thresholdMs;
    private long lastLineMs;
    private int heldBack;

    /** @param sink where a line goes: the owner's logger at WARN */
    public SlowChangeLog(Consumer<String> sink, Duration threshold) {
        this.sink = sink;
        this.thresholdMs = threshold.toMillis();
    }

    /** True when a change that took {@code millis} should be reported (the threshold is on and reached). */
    public boolean slow(long millis) {
        return thresholdMs > 0 && millis >= thresholdMs;
    }

    /** Logs {@code line} unless a line was logged less than a second ago; then it is only counted. */
    public synchronized void report(long nowMs, String line) {
        if (nowMs - lastLineMs < MIN_GAP_MS) {
            heldBack++;
            return;
        }
        lastLineMs = nowMs;
        sink.accept(heldBack > 0 ? line + " (and " + heldBack + " more slow batches in the last second)" : line);
        heldBack = 0;
    }
}
