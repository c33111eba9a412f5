package dev.cdccache.invalidation.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdccache.cache.RowChange;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The record the relay publishes and the invalidators read: everything needed to invalidate and to measure lag,
 * nothing else. {@code {"table","op","key":{...},"version","commitTsMs","lsn","relayTsMs"}}.
 */
public final class ChangeEnvelope {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Renders a raw record for a dead letter, as the engine's JSON format did. */
    private static final JsonConverter RAW = rawConverter();

    private static JsonConverter rawConverter() {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "false"), false);
        return c;
    }

    private ChangeEnvelope() {}

    /** Thrown for a record that cannot be understood; it goes to the dead-letter topic with this message. */
    public static final class Undecodable extends Exception {
        public Undecodable(String message) {
            super(message, null, false, false);
        }
    }

    public static String encode(RowChange c, long relayTsMs) {
        ObjectNode n = JSON.createObjectNode();
        n.put("table", c.table());
        n.put("op", c.op().name());
        ObjectNode key = n.putObject("key");
        c.key().forEach((k, v) -> key.putPOJO(k, v));
        n.put("version", c.version());
        n.put("commitTsMs", c.commitTsMs());
        n.put("lsn", c.lsn());
        n.put("relayTsMs", relayTsMs);
        return n.toString();
    }

    public static RowChange decode(String value) throws Undecodable {
        if (value == null) {
            throw new Undecodable("empty record value");
        }
        JsonNode n;
        try {
            n = JSON.readTree(value);
        } catch (Exception e) {
            throw new Undecodable("not JSON");
        }
        if (n == null || !n.isObject() || !n.hasNonNull("table") || !n.hasNonNull("op")) {
            throw new Undecodable("missing table or op");
        }
        RowChange.Op op;
        try {
            op = RowChange.Op.valueOf(n.get("op").asText());
        } catch (IllegalArgumentException e) {
            throw new Undecodable("unknown op " + n.get("op").asText());
        }
        Map<String, Object> key = keyOf(n.get("key"));
        if (op != RowChange.Op.TRUNCATE && key.isEmpty()) {
            throw new Undecodable(op + " without a primary key");
        }
        return new RowChange(
                n.get("table").asText(),
                op,
                key,
                n.path("version").asLong(-1),
                n.path("commitTsMs").asLong(-1),
                n.path("lsn").asLong(-1));
    }

    /**
     * Translates one Debezium change record, as the connector made it (Kafka Connect structs), into a RowChange; null
     * for a tombstone. The relay reads these directly: the engine's JSON format serialised every event (its whole
     * {@code source} block included) only for the relay to parse it again.
     */
    public static RowChange fromConnect(SourceRecord record) throws Undecodable {
        if (record.value() == null) {
            return null; // tombstone
        }
        if (!(record.value() instanceof Struct v)) {
            throw new Undecodable("Debezium event is not a struct");
        }
        String opCode = text(v, "op");
        RowChange.Op op = switch (opCode) {
            case "c", "r" -> RowChange.Op.CREATE;
            case "u" -> RowChange.Op.UPDATE;
            case "d" -> RowChange.Op.DELETE;
            case "t" -> RowChange.Op.TRUNCATE;
            default -> throw new Undecodable("unknown Debezium op '" + opCode + "'");
        };
        Struct source = struct(v, "source");
        String table = source == null ? "" : text(source, "table");
        if (table.isEmpty()) {
            throw new Undecodable("Debezium event without source.table");
        }
        Map<String, Object> key = keyOf(record.key() instanceof Struct k ? k : null);
        Struct row = struct(v, op == RowChange.Op.DELETE ? "before" : "after");
        return new RowChange(table, op, key, number(row, "version"), number(source, "ts_ms"), number(source, "lsn"));
    }

    /**
     * A change's key ({@link RowChange#key()}, as {@link #fromConnect} read it) as the JSON the engine's JSON format
     * printed ({@code {"product_id":42}}): the Kafka key. Null for a change without one (a truncate).
     */
    public static String keyJson(Map<String, Object> key) {
        if (key.isEmpty()) {
            return null;
        }
        ObjectNode n = JSON.createObjectNode();
        key.forEach((name, value) -> {
            if (value instanceof Long l) {
                n.put(name, l);
            } else {
                n.put(name, String.valueOf(value));
            }
        });
        return n.toString();
    }

    /** A record's key or value as the engine's JSON format printed it, for a dead letter (read by people). */
    public static String rawJson(String topic, Schema schema, Object value) {
        if (value == null) {
            return null;
        }
        try {
            return new String(RAW.fromConnectData(topic, schema, value), StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return String.valueOf(value);
        }
    }

    private static Struct struct(Struct s, String field) {
        return s.schema().field(field) != null && s.get(field) instanceof Struct f ? f : null;
    }

    private static String text(Struct s, String field) {
        Object o = s.schema().field(field) == null ? null : s.get(field);
        return o == null ? "" : o.toString();
    }

    private static long number(Struct s, String field) {
        Object o = s == null || s.schema().field(field) == null ? null : s.get(field);
        return o instanceof Number n ? n.longValue() : -1;
    }

    /** Primary-key columns of a struct (whole numbers as longs); empty for null. */
    private static Map<String, Object> keyOf(Struct k) {
        Map<String, Object> key = new LinkedHashMap<>();
        if (k != null) {
            for (Field f : k.schema().fields()) {
                Object value = k.get(f);
                key.put(
                        f.name(),
                        value instanceof Long || value instanceof Integer || value instanceof Short
                                ? (Object) ((Number) value).longValue()
                                : String.valueOf(value));
            }
        }
        return key;
    }

    /** Primary-key columns of a JSON object (numbers as longs); empty for null or a non-object. */
    private static Map<String, Object> keyOf(JsonNode k) {
        Map<String, Object> key = new LinkedHashMap<>();
        if (k != null && k.isObject()) {
            k.properties()
                    .forEach(e -> key.put(
                            e.getKey(),
                            e.getValue().isNumber()
                                    ? (Object) e.getValue().asLong()
                                    : e.getValue().asText()));
        }
        return key;
    }
}
