package dev.cdccache.probe;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.probe.HostStallMeter.Stall;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The control process that tells a stall of the machine from one of the pipeline. */
class HostStallMeterTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void onlyWakeUpsLaterThanTheThresholdAreStalls() {
        long tick = HostStalls.TICK_NANOS;
        HostStalls.Detector d = new HostStalls.Detector(50 * MS, 0);
        long t = tick;
        assertEquals(0, d.wokeAt(t), "on time");
        t += tick + 50 * MS;
        assertEquals(0, d.wokeAt(t), "late by exactly the threshold");
        t += tick + 700 * MS;
        assertEquals(700 * MS, d.wokeAt(t), "late by 700 ms after its tick");
        t += tick;
        assertEquals(0, d.wokeAt(t), "back on time");
    }

    @Test
    void theStallInsideAWindowIsItsOverlapSummedOverStalls() {
        List<Stall> stalls = HostStallMeter.parse(List.of("ready", "1000 500", "3000 200"));
        assertEquals(List.of(new Stall(1000, 500), new Stall(3000, 200)), stalls);
        assertEquals(500, HostStallMeter.stalledWithin(stalls, 900, 2000), "the whole first stall");
        assertEquals(300, HostStallMeter.stalledWithin(stalls, 1200, 1600), "the window inside a stall");
        assertEquals(100 + 100, HostStallMeter.stalledWithin(stalls, 1400, 3100), "the end of one, part of the next");
        assertEquals(0, HostStallMeter.stalledWithin(stalls, 1500, 3000), "between them");
    }

    /**
     * The real child process, stopped with SIGSTOP as a paused machine would stop it: it must report one stall about
     * as long as the stop, placed where the stop was.
     */
    @Test
    void aControlProcessThatIsStoppedReportsTheStop() throws Exception {
        try (HostStallMeter meter = HostStallMeter.start()) {
            long stoppedAt = System.currentTimeMillis();
            signal(meter.pid(), "-STOP");
            long held = System.nanoTime();
            Thread.sleep(800); // the fault's duration (what is measured), not a wait for a condition
            signal(meter.pid(), "-CONT");
            long heldMs = (System.nanoTime() - held) / 1_000_000;
            List<Stall> seen = await().atMost(Duration.ofSeconds(10))
                    .until(meter::stalls, s -> s.stream().anyMatch(x -> x.durationMs() >= 700));
            Stall stall =
                    seen.stream().filter(x -> x.durationMs() >= 700).findFirst().orElseThrow();
            assertTrue(stall.durationMs() <= heldMs + 500, stall + " for a stop of " + heldMs + " ms");
            assertTrue(
                    Math.abs(stall.startMs() - stoppedAt) < 500,
                    stall + " began " + (stall.startMs() - stoppedAt) + " ms from the stop");
        }
    }

    private static void signal(long pid, String sig) throws Exception {
        Process kill =
                new ProcessBuilder("kill", sig, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill " + sig + " " + pid);
    }
}
