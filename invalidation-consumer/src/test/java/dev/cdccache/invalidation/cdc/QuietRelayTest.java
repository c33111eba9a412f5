package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When a running relay engine gives the slot up for being silent. The fresh-clone CI of 2026-12-03 failed
 * LocalStackIT's kill-relay chaos: the restarted relay's engine, still starting on a loaded stack, had no batch
 * after 6.8 s while its own walsender held the slot, stood by, and streamed only after taking the slot again.
 */
class QuietRelayTest {

    @Test
    void aStartingEngineIsNotStoodDownForASlowStart() {
        assertFalse(CdcRelay.tooQuiet(6_803, false), "6.8 s into a start, its own walsender may hold the slot");
        assertFalse(CdcRelay.tooQuiet(29_000, false));
        assertTrue(CdcRelay.tooQuiet(31_000, false), "a start stuck for 30 s while the slot is held stands by");
    }

    @Test
    void anEngineThatStreamedAndWentSilentStandsBy() {
        assertFalse(CdcRelay.tooQuiet(4_000, true), "heartbeats come every second");
        assertTrue(CdcRelay.tooQuiet(6_803, true), "retrying inside Debezium while another relay streams");
    }
}
