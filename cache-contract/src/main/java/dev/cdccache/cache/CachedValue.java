package dev.cdccache.cache;

/**
 * A cached payload and where this read found it.
 *
 * @param payload  the serialized value (JSON), or null for a negative entry ("no such row")
 * @param version  the row version the payload was built from, or -1 for a negative entry
 * @param source   the tier that answered this read
 */
public record CachedValue(String payload, long version, Source source) {

    public enum Source {
        L1,
        L2,
        DB
    }

    public static CachedValue negative(Source source) {
        return new CachedValue(null, -1, source);
    }

    public boolean isNegative() {
        return payload == null;
    }

    public CachedValue from(Source s) {
        return s == source ? this : new CachedValue(payload, version, s);
    }

    /** L2 wire format: {@code N} for a negative entry, {@code <version>:<payload>} otherwise. */
    String encode() {
        return payload == null ? "N" : version + ":" + payload;
    }

    static CachedValue decode(String stored, Source source) {
        if ("N".equals(stored)) {
            return negative(source);
        }
        int sep = stored.indexOf(':');
        if (sep <= 0) {
            throw new IllegalStateException("malformed cache entry");
        }
        return new CachedValue(stored.substring(sep + 1), Long.parseLong(stored.substring(0, sep)), source);
    }
}
