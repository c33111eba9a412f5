package dev.cdccache.support.cache;

import dev.cdccache.cache.Loader;

import java.util.Optional;

/** A service's answer to "how is this cache key loaded?", for the keys it serves; the warmer skips the others. */
public interface WarmableKeys {

    Optional<Loader> loaderFor(String key);
}
