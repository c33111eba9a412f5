package dev.cdccache.cache;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * A cached payload and where this read found it. Immutable; an L1 hit returns the very instance L1 holds, so what
 * every response needs from it (the UTF-8 bytes, the validator) is computed once per cached value, not per hit.
 */
public final class CachedValue {

    public enum Source {
        L1,
        L2,
        DB,
        /** An L2 value past its TTL, served because the database failed (the data class's degraded mode). */
        L2_STALE;

        /** The {@code X-Cache} header's spelling. */
        public String header() {
            return this == L2_STALE ? "L2-STALE" : name();
        }
    }

    private final String payload;
    private final long version;
    private final Source source;
    /** For an {@link Source#L2_STALE} value: how long past its TTL it is; else -1. */
    private final long staleForMillis;
    // Benign races: both are pure functions of the payload, so two threads computing one at once agree.
    private byte[] utf8;
    private String validator;

    /**
     * @param payload the serialized value (JSON), or null for a negative entry ("no such row")
     * @param version the row version the payload was built from, or -1 for a negative entry
     * @param source  the tier that answered this read
     */
    public CachedValue(String payload, long version, Source source) {
        this(payload, version, source, -1);
    }

    private CachedValue(String payload, long version, Source source, long staleForMillis) {
        this.payload = payload;
        this.version = version;
        this.source = Objects.requireNonNull(source, "source");
        this.staleForMillis = staleForMillis;
    }

    /** This value served past its TTL by {@code millis} (the database could not answer). */
    public CachedValue stale(long millis) {
        return new CachedValue(payload, version, Source.L2_STALE, Math.max(0, millis));
    }

    /** How long past its TTL a {@link Source#L2_STALE} value is; -1 for any other. */
    public long staleForMillis() {
        return staleForMillis;
    }

    public static CachedValue negative(Source source) {
        return new CachedValue(null, -1, source);
    }

    public String payload() {
        return payload;
    }

    public long version() {
        return version;
    }

    public Source source() {
        return source;
    }

    public boolean isNegative() {
        return payload == null;
    }

    public CachedValue from(Source s) {
        return s == source ? this : new CachedValue(payload, version, s);
    }

    /** The payload as UTF-8 (null for a negative entry); the same array on every call: never modify it. */
    public byte[] payloadBytes() {
        byte[] b = utf8;
        if (b == null && payload != null) {
            b = payload.getBytes(StandardCharsets.UTF_8);
            utf8 = b;
        }
        return b;
    }

    /**
     * {@code <row version>-<CRC-32 of the payload, 8 hex digits>}: a strong validator of these bytes. The row version
     * alone misses changes of what a value embeds (the product view's price has its own version).
     */
    public String validator() {
        String v = validator;
        if (v == null) {
            CRC32 crc = new CRC32();
            byte[] b = payloadBytes();
            if (b != null) {
                crc.update(b);
            }
            String hex = Long.toHexString(crc.getValue());
            v = version + "-" + "00000000".substring(hex.length()) + hex;
            validator = v;
        }
        return v;
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

    @Override
    public boolean equals(Object o) {
        return o instanceof CachedValue c
                && version == c.version
                && source == c.source
                && Objects.equals(payload, c.payload);
    }

    @Override
    public int hashCode() {
        return Objects.hash(payload, version, source);
    }

    @Override
    public String toString() {
        return "CachedValue[payload=" + payload + ", version=" + version + ", source=" + source + "]";
    }
}
