package dev.cdccache.cache;

/**
 * The one key schema. Every key a service caches and every key the CDC invalidator deletes is built here.
 *
 * <p>The {@code v2} segment lets a payload or key format change roll out by bumping it instead of flushing Redis
 * ({@code v1} keys had no hash tag). The id is a Redis Cluster hash tag ({@code {42}}): a key, its lease and the
 * other keys of the same row share one hash slot, so the lease protocol's scripts and each DEL stay on one shard.
 */
public final class CacheKeys {

    public static final String PRODUCT_VIEW_PREFIX = "cat:v2:product:";
    public static final String PRICE_PREFIX = "prc:v2:price:";
    private static final String LEASE_PREFIX = "lease:";
    private static final String MARKER_PREFIX = "marker:";
    private static final int SLOTS = 16384;

    private CacheKeys() {}

    /** The catalog's product view (product row joined with its current price). */
    public static String productView(long productId) {
        return PRODUCT_VIEW_PREFIX + '{' + productId + '}';
    }

    /** The pricing service's price of one product. */
    public static String price(long productId) {
        return PRICE_PREFIX + '{' + productId + '}';
    }

    /** The lease guarding fills of {@code key} (same hash slot); always deleted together with the key. */
    /** The product id of a product view key, or empty if {@code key} is not one. */
    public static java.util.Optional<Long> productViewId(String key) {
        return idOf(key, PRODUCT_VIEW_PREFIX);
    }

    /** The product id of a price key, or empty if {@code key} is not one. */
    public static java.util.Optional<Long> priceId(String key) {
        return idOf(key, PRICE_PREFIX);
    }

    private static java.util.Optional<Long> idOf(String key, String prefix) {
        int open = prefix.length();
        if (!key.startsWith(prefix) || key.length() < open + 3 || key.charAt(open) != '{' || !key.endsWith("}")) {
            return java.util.Optional.empty();
        }
        String digits = key.substring(open + 1, key.length() - 1);
        if (digits.isEmpty() || digits.length() > 18 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Long.parseLong(digits));
    }

    public static String lease(String key) {
        return LEASE_PREFIX + key;
    }

    /**
     * The remote marker of {@code key} (same hash slot): set by a writer in a region that reads a replica, before its
     * commit; while it exists, reads of the key go to the primary and fill nothing. Only that region's CDC
     * invalidator deletes it, once the region's replica has applied the change (its TTL is the safety net).
     */
    public static String marker(String key) {
        return MARKER_PREFIX + key;
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

    /** The Redis Cluster hash slot of a key: CRC16 (XMODEM) of its hash tag if it has one, else of the key. */
    public static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % SLOTS;
    }
}
