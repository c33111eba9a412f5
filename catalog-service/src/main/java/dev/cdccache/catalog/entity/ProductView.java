package dev.cdccache.catalog.entity;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.OffsetDateTime;

/** The cached product view: a product row joined with its current price (null when it has none). */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ProductView(
        long id,
        String sku,
        String name,
        String description,
        String category,
        long version,
        OffsetDateTime updatedAt,
        Price price) {

    public record Price(long amountMinor, String currency, long version) {}
}
