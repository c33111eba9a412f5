package dev.cdccache.cache;

/**
 * The one key schema. Every key a service caches and every key the CDC invalidator deletes is built here.
 * The {@code v1} segment lets a payload format change roll out by bumping it instead of flushing Redis.
 */
public final class CacheKeys {

    public static final String PRODUCT_VIEW_PREFIX = "cat:v1:product:";
    public static final String PRICE_PREFIX = "prc:v1:price:";
    private static final String LEASE_PREFIX = "lease:";

    private CacheKeys() {}

    /** The catalog's product view (product row joined with its current price). */
    public static String productView(long productId) {
        return PRODUCT_VIEW_PREFIX + productId;
    }

    /** The pricing service's price of one product. */
    public static String price(long productId) {
        return PRICE_PREFIX + productId;
    }

    /** The lease guarding fills of {@code key}; always deleted together with the key. */
    public static String lease(String key) {
        return LEASE_PREFIX + key;
    }

    /** The data class a key belongs to, from its prefix. */
    public static DataClass dataClassOf(String key) {
        if (key.startsWith(PRICE_PREFIX)) {
            return DataClass.PRICE;
        }
        if (key.startsWith(PRODUCT_VIEW_PREFIX)) {
            return DataClass.CATALOG;
        }
        throw new IllegalArgumentException("key outside the schema: " + key);
    }
}
