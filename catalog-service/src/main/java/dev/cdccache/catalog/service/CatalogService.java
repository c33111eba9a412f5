package dev.cdccache.catalog.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.catalog.config.CatalogConfig;
import dev.cdccache.catalog.entity.Product;
import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.catalog.repository.ProductRepository;
import dev.cdccache.support.cache.CachedReads;
import dev.cdccache.support.cache.WarmableKeys;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.function.Function;

/**
 * Product reads through the layered cache; product writes in transactions whose commit invalidates what they changed.
 */
@ApplicationScoped
public class CatalogService implements WarmableKeys {

    private final RegionCache cache;
    private final ProductRepository repository;
    private final ObjectMapper json;
    private final CatalogConfig config;

    public CatalogService(RegionCache cache, ProductRepository repository, ObjectMapper json, CatalogConfig config) {
        this.cache = cache;
        this.repository = repository;
        this.json = json;
        this.config = config;
    }

    /** L1 → L2 → PostgreSQL; an L1 hit is presented and completes on the caller's (event-loop) thread. */
    public <R> Uni<R> view(long id, Function<CachedValue, R> present) {
        return view(id, () -> {}, present);
    }

    /** As above; {@code admission} may refuse a real miss (a rate limit) before it costs Redis or PostgreSQL. */
    public <R> Uni<R> view(long id, Runnable admission, Function<CachedValue, R> present) {
        return CachedReads.read(cache.cache(), CacheKeys.productView(id), loader(id), admission, present);
    }

    /** The view if L1 holds it (counted as a hit), else null: the hit route's question. */
    public CachedValue l1View(long id) {
        return cache.cache().l1Hit(CacheKeys.productView(id), loader(id));
    }

    /** Product views: {@code pv:<id>} (the warmer's question). */
    @Override
    public java.util.Optional<Loader> loaderFor(String key) {
        return CacheKeys.productViewId(key).map(this::loader);
    }

    private Loader loader(long id) {
        return Loader.routed(key -> loaded(repository.findView(id)), key -> loaded(repository.findViewOnPrimary(id)));
    }

    private Loader.Loaded loaded(java.util.Optional<ProductView> view) {
        return view.map(p -> new Loader.Loaded(write(p), p.version())).orElse(null);
    }

    public List<ProductView> byCategory(String category, int page, int size) {
        return repository.findByCategory(category, page, size);
    }

    public long countByCategory(String category) {
        return repository.countByCategory(category);
    }

    /** The new product's id; its caches are invalidated after the commit (see {@code ProductChanges}). */
    @Transactional
    public Product create(String sku, String name, String description, String category) {
        return repository.insert(sku, name, description, category);
    }

    /** Sets the non-null fields; returns the new version (unchanged if nothing changed). */
    @Transactional
    public long update(long id, String sku, String name, String description, String category, Long expectedVersion) {
        return repository.update(id, expectedVersion, sku, name, description, category).version;
    }

    @Transactional
    public void delete(long id, Long expectedVersion) {
        repository.delete(id, expectedVersion);
    }

    public String region() {
        return cache.metrics().region();
    }

    private String write(ProductView v) {
        try {
            return json.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
