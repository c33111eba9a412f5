package dev.cdccache.pricing.entity;

import java.time.OffsetDateTime;

/** The cached price of one product. */
public record PriceView(long productId, long amountMinor, String currency, long version, OffsetDateTime updatedAt) {}
