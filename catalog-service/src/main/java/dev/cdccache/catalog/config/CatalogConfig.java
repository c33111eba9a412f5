package dev.cdccache.catalog.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "catalog")
public interface CatalogConfig {

    /** Largest page of GET /products?category=. */
    @WithDefault("100")
    int maxPageSize();

    /** Highest page index of GET /products?category=; deep OFFSET pages cost the database and serve nobody. */
    @WithDefault("1000")
    int maxPage();
}
