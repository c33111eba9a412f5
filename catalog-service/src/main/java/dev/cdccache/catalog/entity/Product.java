package dev.cdccache.catalog.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.PrePersist;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.OffsetDateTime;

/**
 * A product row. {@code version} is both Hibernate's optimistic lock and the row version every cache entry carries:
 * Hibernate writes {@code version + 1} guarded by the old value, and the database trigger (Flyway V1) computes the
 * same value, so raw SQL writes bump it too. {@code updated_at} belongs to the trigger.
 */
@Entity
@Table(name = "products")
@EntityListeners(ProductChanges.class)
public class Product {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false, length = 64, unique = true)
    public String sku;

    @Column(nullable = false, length = 200)
    public String name;

    @Column(nullable = false, columnDefinition = "text")
    public String description;

    @Column(nullable = false, length = 64)
    public String category;

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
}
