package dev.cdccache.pricing.rest;

import dev.cdccache.pricing.service.PricingService;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.rest.L1HitRoute;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** {@code GET /prices/{productId}} answered from L1 ahead of {@link PriceResource} (see {@link L1HitRoute}). */
@ApplicationScoped
public class PriceHitRoute {

    private final PricingService service;
    private final CacheConfig config;

    public PriceHitRoute(PricingService service, CacheConfig config) {
        this.service = service;
        this.config = config;
    }

    void routes(@Observes Router router) {
        L1HitRoute.register(router, "/prices", service::l1Price, config.region(), config.instanceId());
    }
}
