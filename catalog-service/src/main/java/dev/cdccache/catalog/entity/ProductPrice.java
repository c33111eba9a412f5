package dev.cdccache.catalog.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** The pricing service's row, read-only here: the catalog joins it into the product view and never writes it. */
@Entity
@Immutable
@Table(name = "prices")
public class ProductPrice {

    @Id
    @Column(name = "product_id")
    public Long productId;

    @Column(name = "amount_minor", nullable = false)
    public long amountMinor;

    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(nullable = false, length = 3)
    public String currency;

    @Column(nullable = false)
    public long version;
}
