package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

class SlowChangeLogTest {

    @Test
    void reportsChangesAtOrPastTheThresholdAtMostOnceASecondCountingTheRest() {
        List<String> lines = new ArrayList<>();
        SlowChangeLog log = new SlowChangeLog(lines::add, Duration.ofSeconds(1));
        assertFalse(log.slow(999));
        assertTrue(log.slow(1000));

        log.report(10_000, "a");
        log.report(10_400, "b");
        log.report(10_999, "c");
        log.report(11_000, "d");
        log.report(11_500, "e");

        assertEquals(List.of("a", "d (and 2 more slow batches in the last second)"), lines);
    }

    @Test
    void zeroTurnsItOff() {
        SlowChangeLog log = new SlowChangeLog(line -> {}, Duration.ZERO);
        assertFalse(log.slow(60_000));
    }
}
