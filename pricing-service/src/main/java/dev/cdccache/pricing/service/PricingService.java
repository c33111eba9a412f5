package dev.cdccache.pricing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.support.cache.CachedReads;
import dev.cdccache.support.cache.WritePath;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

@ApplicationScoped
public class PricingService {

    private final RegionCache cache;
    private final PriceRepository repository;
    private final WritePath writePath;
    private final ObjectMapper json;

    private final int bulkMaxRows;

    public PricingService(RegionCache cache, PriceRepository repository, WritePath writePath, ObjectMapper json,
                          @ConfigProperty(name = "pricing.bulk.max-rows", defaultValue = "10000") int bulkMaxRows) {
        this.bulkMaxRows = bulkMaxRows;
        this.cache = cache;
        this.repository = repository;
        this.writePath = writePath;
        this.json = json;
    }

    /** L1 → L2 → PostgreSQL; an L1 hit completes on the caller's (event-loop) thread. */
    public Uni<CachedValue> price(long productId) {
        Loader loader = key -> repository.find(productId)
                .map(p -> new Loader.Loaded(write(p), p.version())).orElse(null);
        return CachedReads.read(cache.cache(), CacheKeys.price(productId), loader);
    }

    /** Also invalidates the catalog's product view: the mapping says a price row feeds both. */
    public PriceRepository.Upserted put(long productId, long amountMinor, String currency, Long expectedVersion) throws Exception {
        PriceRepository.Upserted result = repository.upsert(productId, amountMinor, currency, expectedVersion);
        writePath.afterCommit(List.of(RowChange.of(KeyMapper.PRICES,
                result.created() ? RowChange.Op.CREATE : RowChange.Op.UPDATE, "product_id", productId)));
        return result;
    }

    public record BulkResult(List<Long> productIds, CacheInvalidator.Result invalidation, long invalidatedKeys) {
    }

    /** Thousands of rows in one transaction, then one pipelined DEL pass and one L1 eviction message. */
    public BulkResult reprice(String category, BigDecimal percent) throws Exception {
        List<Long> ids = repository.reprice(category, percent, bulkMaxRows);
        List<RowChange> changes = new ArrayList<>(ids.size());
        for (long id : ids) {
            changes.add(RowChange.of(KeyMapper.PRICES, RowChange.Op.UPDATE, "product_id", id));
        }
        CacheInvalidator.Result r = writePath.afterCommit(changes);
        return new BulkResult(ids, r, KeyMapper.mapAll(changes).keys().size());
    }

    private String write(PriceView v) {
        try {
            return json.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
