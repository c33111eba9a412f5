package dev.cdccache.cache;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one mapping from a changed row to the cache keys it affects (declared per table in {@link CachedTable}). Both the services' write path and the CDC
 * invalidator call it, so they cannot disagree about what a change invalidates.
 */
public final class KeyMapper {

    private KeyMapper() {}

    /** Keys (and, for truncates, key prefixes) to invalidate for one change. Unknown tables map to nothing. */
    public static Invalidation map(RowChange change) {
        return CachedTable.of(change.table())
                .map(t -> {
                    if (change.op() == RowChange.Op.TRUNCATE) {
                        return new Invalidation(Set.of(), Set.copyOf(t.keySpaces()));
                    }
                    List<String> keys = t.keysOf(change.longKey(t.keyColumn()));
                    List<Marker> markers = new ArrayList<>(keys.size());
                    for (String key : keys) {
                        markers.add(new Marker(key, t.table(), change.version(), change.op() == RowChange.Op.DELETE));
                    }
                    return new Invalidation(Set.copyOf(keys), Set.of(), markers);
                })
                .orElse(Invalidation.NONE);
    }

    /**
     * Every key space a table feeds: what a truncate of it invalidates. The compensation for a change of that table
     * whose keys cannot be known (a record that does not map): flushing too much is safe, a stale key is not.
     */
    public static Invalidation keySpacesOf(String table) {
        return map(new RowChange(table, RowChange.Op.TRUNCATE, Map.of(), -1, -1, -1));
    }

    /** One invalidation for a batch: linear in the batch (a bulk repricing maps thousands of rows at once). */
    public static Invalidation mapAll(Collection<RowChange> changes) {
        List<Invalidation> each = new ArrayList<>(changes.size());
        for (RowChange c : changes) {
            each.add(map(c));
        }
        return merge(each);
    }

    /** The union of several invalidations, linear in their total size. */
    public static Invalidation merge(Collection<Invalidation> invalidations) {
        Set<String> keys = new LinkedHashSet<>();
        Set<String> prefixes = new LinkedHashSet<>();
        Map<String, Marker> markers = new LinkedHashMap<>();
        for (Invalidation one : invalidations) {
            keys.addAll(one.keys());
            prefixes.addAll(one.prefixes());
            for (Marker m : one.markers()) {
                // Per key and table, the latest version of the batch (a delete outranks every version).
                markers.merge(m.key() + '\u0000' + m.table(), m, Marker::later);
            }
        }
        return new Invalidation(keys, prefixes, List.copyOf(markers.values()));
    }

    /**
     * A remote marker's field: the key, the table whose row changed it, and that row's version after the change
     * (-1 when unknown). A marker field is cleared only by the invalidation of a change at least as new as the write
     * that set it, so an older change arriving late cannot lift a newer write's marker.
     */
    public record Marker(String key, String table, long version, boolean delete) {
        static Marker later(Marker a, Marker b) {
            if (a.delete || b.delete) {
                return a.delete ? a : b;
            }
            return a.version >= b.version ? a : b;
        }
    }

    /** Exact keys plus key prefixes (a truncate invalidates a whole key space), and the changes' marker fields. */
    public record Invalidation(Set<String> keys, Set<String> prefixes, List<Marker> markers) {
        public static final Invalidation NONE = new Invalidation(Set.of(), Set.of());

        public Invalidation(Set<String> keys, Set<String> prefixes) {
            this(keys, prefixes, List.of());
        }

        public Invalidation {
            keys = Set.copyOf(keys);
            prefixes = Set.copyOf(prefixes);
            markers = List.copyOf(markers);
        }

        public static Invalidation keys(String... keys) {
            return new Invalidation(Set.of(keys), Set.of());
        }

        public static Invalidation prefixes(String... prefixes) {
            return new Invalidation(Set.of(), Set.of(prefixes));
        }

        public boolean isEmpty() {
            return keys.isEmpty() && prefixes.isEmpty();
        }
    }
}
