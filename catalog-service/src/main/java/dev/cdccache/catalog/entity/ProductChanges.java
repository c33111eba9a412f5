package dev.cdccache.catalog.entity;

import dev.cdccache.cache.CachedTable;
import dev.cdccache.cache.RowChange;
import dev.cdccache.support.cache.AfterCommit;
import io.quarkus.arc.Arc;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;

import java.util.List;

/** Every product row Hibernate writes is invalidated after its transaction commits (layer 1 of the contract). */
public class ProductChanges {

    @PostPersist
    void created(Product p) {
        // Clears a cached "does not exist" for this id.
        record(List.of(CachedTable.PRODUCTS.change(RowChange.Op.CREATE, p.id)));
    }

    @PostUpdate
    void updated(Product p) {
        record(List.of(CachedTable.PRODUCTS.change(RowChange.Op.UPDATE, p.id)));
    }

    @PostRemove
    void removed(Product p) {
        // The price row goes with it (ON DELETE CASCADE); the mapping covers both.
        record(List.of(
                CachedTable.PRODUCTS.change(RowChange.Op.DELETE, p.id),
                CachedTable.PRICES.change(RowChange.Op.DELETE, p.id)));
    }

    private static void record(List<RowChange> changes) {
        // Hibernate instantiates listeners itself; the bean is looked up rather than injected.
        Arc.container().instance(AfterCommit.class).get().invalidate(changes);
    }
}
