package dev.cdccache.cache;

/** Reads one key's value from the source of truth. Returns null when the row does not exist. */
@FunctionalInterface
public interface Loader {

    Loaded load(String key) throws Exception;

    record Loaded(String payload, long version) {}
}
