package dev.cdccache.pricing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cdccache.cache.CacheInvalidator;
import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.CachedTable;
import dev.cdccache.cache.CachedValue;
import dev.cdccache.cache.KeyMapper;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.RowChange;
import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.support.cache.AfterCommit;
import dev.cdccache.support.cache.CachedReads;
import dev.cdccache.support.cache.InvalidationReport;
import dev.cdccache.support.cache.WarmableKeys;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Price reads through the layered cache; price writes in transactions whose commit invalidates what they changed. */
@ApplicationScoped
public class PricingService implements WarmableKeys {

    private final RegionCache cache;
    private final PriceRepository repository;
    private final AfterCommit afterCommit;
    private final InvalidationReport report;
    private final ObjectMapper json;
    private final int bulkMaxRows;

    public PricingService(
            RegionCache cache,
            PriceRepository repository,
            AfterCommit afterCommit,
            InvalidationReport report,
            ObjectMapper json,
            @ConfigProperty(name = "pricing.bulk.max-rows", defaultValue = "10000") int bulkMaxRows) {
        this.cache = cache;
        this.repository = repository;
        this.afterCommit = afterCommit;
        this.report = report;
        this.json = json;
        this.bulkMaxRows = bulkMaxRows;
    }

    /** L1 → L2 → PostgreSQL; an L1 hit is presented and completes on the caller's (event-loop) thread. */
    public <R> Uni<R> price(long productId, Function<CachedValue, R> present) {
        return price(productId, () -> {}, present);
    }

    /** As above; {@code admission} may refuse a real miss (a rate limit) before it costs Redis or PostgreSQL. */
    public <R> Uni<R> price(long productId, Runnable admission, Function<CachedValue, R> present) {
        return CachedReads.read(cache.cache(), CacheKeys.price(productId), loader(productId), admission, present);
    }

    /** The price if L1 holds it (counted as a hit), else null: the hit route's question. */
    public CachedValue l1Price(long productId) {
        return cache.cache().l1Hit(CacheKeys.price(productId), loader(productId));
    }

    /** Prices: {@code price:<id>} (the warmer's question). */
    @Override
    public java.util.Optional<Loader> loaderFor(String key) {
        return CacheKeys.priceId(key).map(this::loader);
    }

    private Loader loader(long productId) {
        return Loader.routed(
                key -> loaded(repository.find(productId)), key -> loaded(repository.findOnPrimary(productId)));
    }

    private Loader.Loaded loaded(java.util.Optional<PriceView> price) {
        return price.map(p -> new Loader.Loaded(write(p), p.version())).orElse(null);
    }

    /**
     * The global class: a price that must never be stale (a checkout quote) bypasses every cache and reads the
     * primary, in any region. Empty when the product has no price.
     */
    public java.util.Optional<PriceView> quote(long productId) throws Exception {
        return repository.findOnPrimary(productId);
    }

    /** Its commit also invalidates the catalog's product view: the mapping says a price row feeds both. */
    @Transactional
    public PriceRepository.Upserted put(long productId, long amountMinor, String currency, Long expectedVersion) {
        return repository.upsert(productId, amountMinor, currency, expectedVersion);
    }

    public record BulkResult(List<Long> productIds, CacheInvalidator.Result invalidation, long invalidatedKeys) {}

    /** Thousands of rows in one transaction, then one pipelined DEL pass and one L1 eviction message. */
    public BulkResult reprice(String category, BigDecimal percent) {
        List<RowChange> changes = new ArrayList<>();
        List<Long> ids = QuarkusTransaction.requiringNew().call(() -> {
            List<Long> changed = new ArrayList<>();
            for (PriceRepository.Repriced r : repository.reprice(category, percent, bulkMaxRows)) {
                changes.add(CachedTable.PRICES.change(RowChange.Op.UPDATE, r.productId(), r.version()));
                changed.add(r.productId());
            }
            // One statement, no entities: its rows are recorded here rather than by the entity listener.
            afterCommit.invalidate(changes);
            return changed;
        });
        CacheInvalidator.Result invalidation = report.result();
        return new BulkResult(
                ids, invalidation, KeyMapper.mapAll(changes).keys().size());
    }

    private String write(PriceView v) {
        try {
            return json.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
