package dev.cdccache.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link HostStalls} beside a benchmark, as a child JVM of its own (tiny heap, serial collector, C1: it
 * allocates nothing while it sleeps, so it has no collections of its own to report), and answers how long the
 * machine stood still inside a measured window.
 */
public final class HostStallMeter implements AutoCloseable {

    /** A wake-up this late means the machine, not the pipeline, held everything. */
    static final long THRESHOLD_MS = 50;

    /** One stall: when it began (epoch ms) and how long it lasted. */
    public record Stall(long startMs, long durationMs) {
        long endMs() {
            return startMs + durationMs;
        }
    }

    private final Process process;
    private final Path file;

    private HostStallMeter(Process process, Path file) {
        this.process = process;
        this.file = file;
    }

    /** Starts the control process and waits until it sleeps; fails loudly if it cannot (the figures need it). */
    public static HostStallMeter start() throws IOException, InterruptedException {
        Path file = Files.createTempFile("host-stalls", ".log");
        Files.delete(file); // the child writes "ready" into a new file: that is how its start is seen
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = new ProcessBuilder(
                        java,
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-Xmx16m",
                        "-XX:-UsePerfData",
                        "-cp",
                        System.getProperty("java.class.path"),
                        HostStalls.class.getName(),
                        file.toString(),
                        Long.toString(THRESHOLD_MS))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        HostStallMeter meter = new HostStallMeter(p, file);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(file)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                meter.close();
                throw new IOException(
                        "the host stall meter did not start (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
            }
            Thread.sleep(10); // a child JVM's start, polled: there is no other signal to wait on
        }
        return meter;
    }

    long pid() {
        return process.pid();
    }

    /** Every stall recorded so far. */
    public List<Stall> stalls() throws IOException {
        return parse(Files.readAllLines(file));
    }

    static List<Stall> parse(List<String> lines) {
        List<Stall> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            if (f.length == 2) {
                out.add(new Stall(Long.parseLong(f[0]), Long.parseLong(f[1])));
            }
        }
        return out;
    }

    /** How many milliseconds of [fromMs, toMs] (epoch) the machine stood still. */
    static long stalledWithin(List<Stall> stalls, long fromMs, long toMs) {
        long sum = 0;
        for (Stall s : stalls) {
            sum += Math.max(0, Math.min(toMs, s.endMs()) - Math.max(fromMs, s.startMs()));
        }
        return sum;
    }

    /** One line for a benchmark's output: how many stalls, the longest, all of them together. */
    static String summary(List<Stall> stalls) {
        return String.format(
                Locale.ROOT,
                "machine stalls (a control process that only sleeps woke >= %d ms late): %d, longest %d ms, %d ms in"
                        + " all",
                THRESHOLD_MS,
                stalls.size(),
                longestMs(stalls),
                totalMs(stalls));
    }

    /** The same figures as JSON members, for the benchmark's one JSON line. */
    static String json(List<Stall> stalls) {
        return String.format(
                Locale.ROOT,
                "\"machineStalls\":%d,\"machineStallMaxMs\":%d,\"machineStalledMs\":%d",
                stalls.size(),
                longestMs(stalls),
                totalMs(stalls));
    }

    private static long longestMs(List<Stall> stalls) {
        return stalls.stream().mapToLong(Stall::durationMs).max().orElse(0);
    }

    private static long totalMs(List<Stall> stalls) {
        return stalls.stream().mapToLong(Stall::durationMs).sum();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(file);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // a temp file left behind is harmless
        }
    }
}
