package dev.cdccache.pricing.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.OffsetDateTime;

/**
 * The price of one product. {@code version} is both Hibernate's optimistic lock and the version every cached price
 * carries: Hibernate writes {@code version + 1} guarded by the old value and the database trigger (Flyway V1)
 * computes the same, so raw SQL writes bump it too. {@code updated_at} belongs to the trigger.
 */
@Entity
@Table(name = "prices")
@EntityListeners(PriceChanges.class)
public class Price {

    @Id
    @Column(name = "product_id")
    public Long productId;

    @Column(name = "amount_minor", nullable = false)
    public long amountMinor;

    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(nullable = false, length = 3)
    public String currency;

    @Version
    @Column(nullable = false)
    public Long version;

    @Column(name = "updated_at", nullable = false, insertable = false, updatable = false)
    public OffsetDateTime updatedAt;

    /** New rows start at version 1, as rows inserted by SQL do (Hibernate would seed 0). */
    @PrePersist
    void firstVersion() {
        if (version == null) {
            version = 1L;
        }
    }

    public PriceView view() {
        return new PriceView(productId, amountMinor, currency, version, updatedAt);
    }
}
