package dev.cdccache.invalidation.cdc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cdccache.cache.RowChange;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.Map;

/**
 * The relay's reading of Debezium's change records (Kafka Connect structs, shaped as the PostgreSQL connector makes
 * them with the relay's column filter: key and {@code version} only), and the envelope it publishes.
 */
class ChangeEnvelopeTest {

    private static final Schema KEY =
            SchemaBuilder.struct().field("product_id", Schema.INT64_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct()
            .optional()
            .field("product_id", Schema.INT64_SCHEMA)
            .field("version", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema SOURCE = SchemaBuilder.struct()
            .field("table", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Schema VALUE = SchemaBuilder.struct()
            .field("before", ROW)
            .field("after", ROW)
            .field("source", SOURCE)
            .field("op", Schema.STRING_SCHEMA)
            .build();

    private static SourceRecord record(String op, Long id, Long beforeVersion, Long afterVersion) {
        Struct key = id == null ? null : new Struct(KEY).put("product_id", id);
        Struct value = new Struct(VALUE)
                .put(
                        "source",
                        new Struct(SOURCE)
                                .put("table", "prices")
                                .put("ts_ms", 1_700L)
                                .put("lsn", 99L))
                .put("op", op);
        if (beforeVersion != null) {
            value.put("before", new Struct(ROW).put("product_id", id).put("version", beforeVersion));
        }
        if (afterVersion != null) {
            value.put("after", new Struct(ROW).put("product_id", id).put("version", afterVersion));
        }
        return new SourceRecord(Map.of(), Map.of(), "cdc.public.prices", null, KEY, key, VALUE, value);
    }

    @Test
    void anUpdateIsReadFromTheRowAfterIt() throws Exception {
        RowChange c = ChangeEnvelope.fromConnect(record("u", 42L, null, 7L));
        assertEquals("prices", c.table());
        assertEquals(RowChange.Op.UPDATE, c.op());
        assertEquals(Map.of("product_id", 42L), c.key());
        assertEquals(7, c.version());
        assertEquals(1_700, c.commitTsMs());
        assertEquals(99, c.lsn());
    }

    @Test
    void aDeleteIsReadFromTheRowBeforeIt() throws Exception {
        RowChange c = ChangeEnvelope.fromConnect(record("d", 42L, 8L, null));
        assertEquals(RowChange.Op.DELETE, c.op());
        assertEquals(8, c.version());
    }

    @Test
    void aTruncateHasNoKeyAndATombstoneIsNoChange() throws Exception {
        RowChange t = ChangeEnvelope.fromConnect(record("t", null, null, null));
        assertEquals(RowChange.Op.TRUNCATE, t.op());
        assertEquals(Map.of(), t.key());
        assertNull(ChangeEnvelope.fromConnect(
                new SourceRecord(Map.of(), Map.of(), "cdc.public.prices", null, KEY, null, null, null)));
    }

    @Test
    void anUnknownOpIsUndecodable() {
        assertThrows(ChangeEnvelope.Undecodable.class, () -> ChangeEnvelope.fromConnect(record("x", 42L, null, 7L)));
    }

    @Test
    void theKafkaKeyIsTheJsonTheEngineUsedToPrintAndTheEnvelopeRoundTrips() throws Exception {
        SourceRecord r = record("u", 42L, null, 7L);
        RowChange c = ChangeEnvelope.fromConnect(r);
        assertEquals("{\"product_id\":42}", ChangeEnvelope.keyJson(c.key()));
        assertEquals("{\"product_id\":42}", ChangeEnvelope.rawJson(r.topic(), r.keySchema(), r.key()));
        assertNull(ChangeEnvelope.keyJson(
                ChangeEnvelope.fromConnect(record("t", null, null, null)).key()));
        assertEquals(c, ChangeEnvelope.decode(ChangeEnvelope.encode(c, 1_800L)));
    }
}
