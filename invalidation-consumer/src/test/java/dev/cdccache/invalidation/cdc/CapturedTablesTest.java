package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
