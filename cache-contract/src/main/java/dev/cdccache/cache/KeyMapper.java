package dev.cdccache.cache;

import java.util.ArrayList;
import java.util.Collection;
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
                .map(t -> change.op() == RowChange.Op.TRUNCATE
                        ? new Invalidation(Set.of(), Set.copyOf(t.keySpaces()))
                        : new Invalidation(Set.copyOf(t.keysOf(change.longKey(t.keyColumn()))), Set.of()))
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
        for (Invalidation one : invalidations) {
            keys.addAll(one.keys());
            prefixes.addAll(one.prefixes());
        }
        return new Invalidation(keys, prefixes);
    }

    /** Exact keys plus key prefixes (a truncate invalidates a whole key space). */
    public record Invalidation(Set<String> keys, Set<String> prefixes) {
        public static final Invalidation NONE = new Invalidation(Set.of(), Set.of());

        public Invalidation {
            keys = Set.copyOf(keys);
            prefixes = Set.copyOf(prefixes);
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
