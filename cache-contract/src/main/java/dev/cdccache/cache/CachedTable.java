package dev.cdccache.cache;

import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The tables under CDC whose rows feed the cache, and what each row feeds: the one declaration everything else
 * derives from (the key mapping, the writers' row changes, the relay's table list, the topics, the key spaces a
 * truncate, a poison record or a CDC reset flushes). Adding a table is one constant here and its keys.
 */
public enum CachedTable {
    /** A product row feeds its product view; a create also clears a cached "does not exist" (same key). */
    PRODUCTS("products", "id", List.of(CacheKeys.PRODUCT_VIEW_PREFIX), id -> List.of(CacheKeys.productView(id))),

    /** A price row feeds the price and, since the view embeds the price, the product view. */
    PRICES(
            "prices",
            "product_id",
            List.of(CacheKeys.PRICE_PREFIX, CacheKeys.PRODUCT_VIEW_PREFIX),
            id -> List.of(CacheKeys.price(id), CacheKeys.productView(id)));

    private final String table;
    private final String keyColumn;
    private final List<String> keySpaces;
    private final LongFunction<List<String>> keysOf;

    CachedTable(String table, String keyColumn, List<String> keySpaces, LongFunction<List<String>> keysOf) {
        this.table = table;
        this.keyColumn = keyColumn;
        this.keySpaces = keySpaces;
        this.keysOf = keysOf;
    }

    /** Unqualified table name in schema {@code public}. */
    public String table() {
        return table;
    }

    /** The primary-key column a row change carries. */
    public String keyColumn() {
        return keyColumn;
    }

    /** Every key space (key prefix) this table feeds: what a truncate of it invalidates. */
    public List<String> keySpaces() {
        return keySpaces;
    }

    /** The cache keys one row (by primary key) feeds. */
    public List<String> keysOf(long id) {
        return keysOf.apply(id);
    }

    /** A change of one row of this table, as a writer knows it. */
    public RowChange change(RowChange.Op op, long id) {
        return RowChange.of(table, op, keyColumn, id);
    }

    /** A change of one row whose new row version the writer knows (it sets remote markers with it). */
    public RowChange change(RowChange.Op op, long id, long version) {
        return new RowChange(table, op, java.util.Map.of(keyColumn, id), version, -1, -1);
    }

    public static Optional<CachedTable> of(String table) {
        for (CachedTable t : values()) {
            if (t.table.equals(table)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
