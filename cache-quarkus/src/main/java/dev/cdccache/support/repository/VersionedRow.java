package dev.cdccache.support.repository;

import jakarta.persistence.Column;
import jakarta.persistence.MappedSuperclass;
import jakarta.persistence.PrePersist;
import jakarta.persistence.Version;

import java.time.OffsetDateTime;

/**
 * A row whose {@code version} is both Hibernate's optimistic lock and the version every cache entry of it carries:
 * Hibernate writes {@code version + 1} guarded by the old value, and the database trigger (Flyway V1) computes the
 * same value, so raw SQL writes bump it too. {@code updated_at} belongs to the trigger.
 */
@MappedSuperclass
public abstract class VersionedRow {

    @Version
    @Column(nullable = false)
    public Long version;

    @Column(name = "updated_at", nullable = false, insertable = false, updatable = false)
    public OffsetDateTime updatedAt;

    /** New rows start at version 1, as rows inserted by SQL do (Hibernate would seed 0). */
    @PrePersist
    protected void firstVersion() {
        if (version == null) {
            version = 1L;
        }
    }
}
