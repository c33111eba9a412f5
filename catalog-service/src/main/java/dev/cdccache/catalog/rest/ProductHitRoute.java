package dev.cdccache.catalog.rest;

import dev.cdccache.catalog.service.CatalogService;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.L1HitRoute;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** {@code GET /products/{id}} answered from L1 ahead of {@link ProductResource} (see {@link L1HitRoute}). */
@ApplicationScoped
public class ProductHitRoute {

    private final CatalogService service;
    private final CacheConfig config;

    public ProductHitRoute(CatalogService service, CacheConfig config) {
        this.service = service;
        this.config = config;
    }

    void routes(@Observes Router router) {
        L1HitRoute.register(router, "/products", service::l1View, config.region(), config.instanceId());
    }
}
