package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cdccache.cache.CachedTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/** The relay captures exactly the declared tables (and its heartbeat): no second list to keep in step. */
class CapturedTablesTest {

    @Test
    void theRelaysTableListIsTheRegistryPlusTheHeartbeat() {
        List<String> expected = new ArrayList<>();
        for (CachedTable t : CachedTable.values()) {
            expected.add("public." + t.table());
        }
        expected.add("public." + KafkaTopics.HEARTBEAT_TABLE);
        assertEquals(String.join(",", expected), CdcRelay.tableIncludeList());
        assertEquals(
                CachedTable.values().length + 1, KafkaTopics.capturedTables().size());
    }

    @Test
    void onlyTheColumnsAnInvalidationReadsAreConverted() {
        java.util.regex.Pattern any = java.util.regex.Pattern.compile(
                String.join("|", CdcRelay.columnIncludeList().split(",")));
        for (CachedTable t : CachedTable.values()) {
            assertTrue(any.matcher("public." + t.table() + "." + t.keyColumn()).matches(), t.keyColumn());
            assertTrue(any.matcher("public." + t.table() + ".version").matches(), t.table() + ".version");
            assertFalse(any.matcher("public." + t.table() + ".updated_at").matches(), t.table() + ".updated_at");
        }
        assertTrue(any.matcher("public.cdc_heartbeat.id").matches());
        assertFalse(any.matcher("public.cdc_heartbeat.beat_at").matches());
        assertFalse(any.matcher("publicXprices.version").matches(), "dots are literal");
    }
}
