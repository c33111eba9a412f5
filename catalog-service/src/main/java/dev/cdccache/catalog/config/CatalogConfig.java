package dev.cdccache.catalog.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "catalog")
public interface CatalogConfig {

    /** Largest page of GET /products?category=. */
    @WithDefault("100")
    int maxPageSize();

    /** Highest page index of GET /products?category=; deep OFFSET pages cost the database and serve nobody. */
    @WithDefault("1000")
    int maxPage();

    /**
     * Artificial delay added to every cache-miss database load. Zero (off) except in tests and demos that need a
     * wide miss window to show lease waits and request coalescing.
     */
    @WithDefault("0ms")
    Duration debugLoadDelay();
}
