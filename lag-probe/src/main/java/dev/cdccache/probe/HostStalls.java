package dev.cdccache.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A control process that only sleeps, 5 ms at a time, and writes down every wake-up that came late by more than a
 * threshold: while it did not run, nothing on the machine ran on time. It is jHiccup's control idea as a process of
 * its own, so no JVM of the stack (its collector, its safepoints, its compilers) is what gets measured.
 *
 * <p>Why the benchmarks need it: the stalls the CDC benchmarks have chased (10-11 s in both regions once, a relay
 * silent for 17.6 s while its own database check came 12.6 s late) left no trace in any one process, and this
 * machine is a Firecracker microVM ({@code dmesg}: "virtual machine fork"), which the host can pause as a whole.
 * Only a process that is not part of the pipeline can say whether a slow change was the pipeline or the machine.
 *
 * <p>Output: one line {@code ready} at start, then {@code <epoch ms when the stall began> <stall ms>} per stall,
 * flushed as written. Usage: {@code HostStalls <file> [thresholdMs=50]}.
 */
public final class HostStalls {

    /** 5 ms, a tenth of the threshold: ~5.5 ms of CPU a second (a 1 ms tick cost 13 ms a second; measured from schedstat). */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args[0]);
        long thresholdMs = args.length > 1 ? Long.parseLong(args[1]) : 50;
        Detector detector = new Detector(TimeUnit.MILLISECONDS.toNanos(thresholdMs), System.nanoTime());
        Files.writeString(file, "ready\n", StandardCharsets.US_ASCII);
        while (true) {
            LockSupport.parkNanos(TICK_NANOS);
            long stallNanos = detector.wokeAt(System.nanoTime());
            if (stallNanos > 0) {
                long stallMs = TimeUnit.NANOSECONDS.toMillis(stallNanos);
                String line = (System.currentTimeMillis() - stallMs) + " " + stallMs + "\n";
                Files.writeString(file, line, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            }
        }
    }

    /** The late part of each wake-up: how long past its tick it woke, when that exceeds the threshold. */
    static final class Detector {
        private final long thresholdNanos;
        private long lastNanos;

        Detector(long thresholdNanos, long startNanos) {
            this.thresholdNanos = thresholdNanos;
            this.lastNanos = startNanos;
        }

        /** The stall that ended now (how late past its tick), in nanoseconds, or 0 when this wake-up was on time. */
        long wokeAt(long nowNanos) {
            long late = nowNanos - lastNanos - TICK_NANOS;
            lastNanos = nowNanos;
            return late > thresholdNanos ? late : 0;
        }
    }
}
