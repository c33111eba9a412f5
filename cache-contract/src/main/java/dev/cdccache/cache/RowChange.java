package dev.cdccache.cache;

import java.util.Map;
import java.util.Objects;

/**
 * One committed row change, as the write path knows it or as the CDC relay decoded it from the WAL.
 *
 * @param table      unqualified table name ({@code products}, {@code prices})
 * @param op         what happened
 * @param key        primary-key columns and values (empty for a truncate)
 * @param version    the row's {@code version} after the change, or -1 when unknown (deletes, truncates)
 * @param commitTsMs source commit timestamp (epoch ms), or -1
 * @param lsn        source log sequence number, or -1
 */
public record RowChange(String table, Op op, Map<String, Object> key, long version, long commitTsMs, long lsn) {

    public enum Op {
        CREATE,
        UPDATE,
        DELETE,
        TRUNCATE
    }

    public RowChange {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(op, "op");
        key = key == null ? Map.of() : Map.copyOf(key);
    }

    public static RowChange of(String table, Op op, String keyColumn, Object keyValue) {
        return new RowChange(table, op, Map.of(keyColumn, keyValue), -1, -1, -1);
    }

    public long longKey(String column) {
        Object v = key.get(column);
        if (v == null) {
            throw new IllegalArgumentException(table + " change without key column " + column + ": " + key);
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return Long.parseLong(v.toString());
    }
}
