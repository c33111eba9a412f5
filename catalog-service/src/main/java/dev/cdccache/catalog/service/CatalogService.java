package dev.cdccache.catalog.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import dev.cdccache.catalog.config.CatalogConfig;
import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.catalog.repository.ProductRepository;
import dev.cdccache.support.cache.CachedReads;
import dev.cdccache.support.cache.WritePath;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;

/** Product reads through the layered cache; product writes followed by the write-path invalidation. */
@ApplicationScoped
public class CatalogService {

    private final RegionCache cache;
    private final ProductRepository repository;
    private final WritePath writePath;
    private final ObjectMapper json;
    private final CatalogConfig config;

    public CatalogService(RegionCache cache, ProductRepository repository, WritePath writePath, ObjectMapper json,
                          CatalogConfig config) {
        this.cache = cache;
        this.repository = repository;
        this.writePath = writePath;
        this.json = json;
        this.config = config;
    }

    /** L1 → L2 → PostgreSQL; an L1 hit completes on the caller's (event-loop) thread. */
    public Uni<CachedValue> view(long id) {
        return CachedReads.read(cache.cache(), CacheKeys.productView(id), loader(id));
    }

    private Loader loader(long id) {
        return key -> {
            long delay = config.debugLoadDelay().toMillis();
            if (delay > 0) {
                Thread.sleep(delay);
            }
            Optional<ProductView> v = repository.findView(id);
            return v.map(p -> new Loader.Loaded(write(p), p.version())).orElse(null);
        };
    }

    public List<ProductView> byCategory(String category, int page, int size) throws Exception {
        return repository.findByCategory(category, page, size);
    }

    public long countByCategory(String category) throws Exception {
        return repository.countByCategory(category);
    }

    public long create(String sku, String name, String description, String category) throws Exception {
        long id = repository.insert(sku, name, description, category);
        // Clears a cached "does not exist" for this id.
        writePath.afterCommit(List.of(RowChange.of(KeyMapper.PRODUCTS, RowChange.Op.CREATE, "id", id)));
        return id;
    }

    public long update(long id, String sku, String name, String description, String category, Long expectedVersion)
            throws Exception {
        long version = repository.update(id, sku, name, description, category, expectedVersion);
        writePath.afterCommit(List.of(RowChange.of(KeyMapper.PRODUCTS, RowChange.Op.UPDATE, "id", id)));
        return version;
    }

    public void delete(long id, Long expectedVersion) throws Exception {
        repository.delete(id, expectedVersion);
        // The price row goes with it (ON DELETE CASCADE); the mapping covers both.
        writePath.afterCommit(List.of(RowChange.of(KeyMapper.PRODUCTS, RowChange.Op.DELETE, "id", id),
                RowChange.of(KeyMapper.PRICES, RowChange.Op.DELETE, "product_id", id)));
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
