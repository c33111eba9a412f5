package dev.cdccache.cache;

/**
 * Reads one key's value from the source of truth. Returns null when the row does not exist.
 *
 * <p>{@link #load} reads the region's own copy (the primary in the primary's region, a replica elsewhere);
 * {@link #loadFromPrimary} must read the primary: the read path calls it when a remote marker says the region's
 * copy may not have a write made here yet.
 */
@FunctionalInterface
public interface Loader {

    Loaded load(String key) throws Exception;

    default Loaded loadFromPrimary(String key) throws Exception {
        return load(key);
    }

    /** A loader reading {@code regional} normally and {@code primary} when asked for the primary. */
    static Loader routed(Loader regional, Loader primary) {
        return new Loader() {
            @Override
            public Loaded load(String key) throws Exception {
                return regional.load(key);
            }

            @Override
            public Loaded loadFromPrimary(String key) throws Exception {
                return primary.load(key);
            }
        };
    }

    record Loaded(String payload, long version) {}
}
