package dev.cdccache.pricing.entity;

import dev.cdccache.cache.CachedTable;
import dev.cdccache.cache.RowChange;
import dev.cdccache.support.cache.AfterCommit;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;

import java.util.List;

/**
 * Every price row Hibernate writes is invalidated after its transaction commits (layer 1 of the contract). The key
 * mapping says a price feeds both the price and the catalog's product view.
 */
public class PriceChanges {

    @PostPersist
    void created(Price p) {
        record(p, RowChange.Op.CREATE);
    }

    @PostUpdate
    void updated(Price p) {
        record(p, RowChange.Op.UPDATE);
    }

    @PostRemove
    void removed(Price p) {
        record(p, RowChange.Op.DELETE);
    }

    private static void record(Price p, RowChange.Op op) {
        AfterCommit.recordFromListener(List.of(CachedTable.PRICES.change(op, p.productId, p.version)));
    }
}
