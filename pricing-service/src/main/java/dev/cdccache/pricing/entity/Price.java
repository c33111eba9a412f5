package dev.cdccache.pricing.entity;

import dev.cdccache.support.repository.VersionedRow;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** The price of one product; its {@code version} is the one every cached price carries ({@link VersionedRow}). */
@Entity
@Table(name = "prices")
@EntityListeners(PriceChanges.class)
public class Price extends VersionedRow {

    @Id
    @Column(name = "product_id")
    public Long productId;

    @Column(name = "amount_minor", nullable = false)
    public long amountMinor;

    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(nullable = false, length = 3)
    public String currency;

    public PriceView view() {
        return new PriceView(productId, amountMinor, currency, version, updatedAt);
    }
}
