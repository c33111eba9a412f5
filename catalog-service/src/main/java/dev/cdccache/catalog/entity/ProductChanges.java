package dev.cdccache.catalog.entity;

import dev.cdccache.cache.CachedTable;
import dev.cdccache.cache.RowChange;
import dev.cdccache.support.cache.AfterCommit;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;

import java.util.List;

/** Every product row Hibernate writes is invalidated after its transaction commits (layer 1 of the contract). */
public class ProductChanges {

    @PostPersist
    void created(Product p) {
        // Clears a cached "does not exist" for this id.
        AfterCommit.recordFromListener(List.of(CachedTable.PRODUCTS.change(RowChange.Op.CREATE, p.id, p.version)));
    }

    @PostUpdate
    void updated(Product p) {
        AfterCommit.recordFromListener(List.of(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, p.id, p.version)));
    }

    @PostRemove
    void removed(Product p) {
        // The price row goes with it (ON DELETE CASCADE); the mapping covers both.
        AfterCommit.recordFromListener(List.of(
                CachedTable.PRODUCTS.change(RowChange.Op.DELETE, p.id),
                CachedTable.PRICES.change(RowChange.Op.DELETE, p.id)));
    }
}
