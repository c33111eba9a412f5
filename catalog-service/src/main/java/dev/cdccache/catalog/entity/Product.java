package dev.cdccache.catalog.entity;

import dev.cdccache.support.repository.VersionedRow;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A product row; its {@code version} is the one every cached view carries ({@link VersionedRow}). */
@Entity
@Table(name = "products")
@EntityListeners(ProductChanges.class)
public class Product extends VersionedRow {

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
}
