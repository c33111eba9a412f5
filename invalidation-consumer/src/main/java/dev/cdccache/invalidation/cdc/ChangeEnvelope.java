package dev.cdccache.invalidation.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cdccache.cache.RowChange;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The record the relay publishes and the invalidators read: everything needed to invalidate and to measure lag,
 * nothing else. {@code {"table","op","key":{...},"version","commitTsMs","lsn","relayTsMs"}}.
 */
public final class ChangeEnvelope {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    /** Translates one Debezium JSON change event (schemas on or off) into a RowChange; null for non-changes. */
    public static RowChange fromDebezium(String keyJson, String valueJson) throws Undecodable {
        if (valueJson == null) {
            return null; // tombstone
        }
        JsonNode v;
        JsonNode k;
        try {
            v = unwrap(JSON.readTree(valueJson));
            k = keyJson == null ? null : unwrap(JSON.readTree(keyJson));
        } catch (Exception e) {
            throw new Undecodable("Debezium event is not JSON");
        }
        String opCode = v.path("op").asText("");
        RowChange.Op op = switch (opCode) {
            case "c", "r" -> RowChange.Op.CREATE;
            case "u" -> RowChange.Op.UPDATE;
            case "d" -> RowChange.Op.DELETE;
            case "t" -> RowChange.Op.TRUNCATE;
            default -> throw new Undecodable("unknown Debezium op '" + opCode + "'");
        };
        JsonNode source = v.path("source");
        String table = source.path("table").asText(null);
        if (table == null) {
            throw new Undecodable("Debezium event without source.table");
        }
        Map<String, Object> key = keyOf(k);
        JsonNode row = op == RowChange.Op.DELETE ? v.path("before") : v.path("after");
        long version = row.path("version").asLong(-1);
        return new RowChange(
                table,
                op,
                key,
                version,
                source.path("ts_ms").asLong(-1),
                source.path("lsn").asLong(-1));
    }

    /** Primary-key columns of a JSON object (numbers as longs); empty for null or a non-object. */
    private static Map<String, Object> keyOf(JsonNode k) {
        Map<String, Object> key = new LinkedHashMap<>();
        if (k != null && k.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = k.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                key.put(
                        e.getKey(),
                        e.getValue().isNumber()
                                ? (Object) e.getValue().asLong()
                                : e.getValue().asText());
            }
        }
        return key;
    }

    private static JsonNode unwrap(JsonNode n) {
        return n != null && n.has("payload") && n.has("schema") ? n.get("payload") : n;
    }
}
