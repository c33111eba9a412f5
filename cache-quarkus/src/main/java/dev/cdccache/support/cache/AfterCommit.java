package dev.cdccache.support.cache;

import dev.cdccache.cache.RowChange;
import io.quarkus.arc.Arc;
import io.quarkus.arc.Unremovable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Collects the row changes of the current transaction and hands them to the {@link WritePath} once it has
 * committed, on the writer's thread, before the write answers. Entities record themselves (see the services'
 * entity listeners), so no write path can forget its invalidation; bulk statements that bypass the entities record
 * their rows here explicitly. A rolled-back transaction invalidates nothing.
 */
// Entity listeners look it up programmatically, which the build-time bean analysis cannot see.
@Unremovable
@ApplicationScoped
public class AfterCommit {

    private static final Object PENDING = AfterCommit.class.getName() + ".pending";

    private final TransactionSynchronizationRegistry transactions;
    private final WritePath writePath;

    public AfterCommit(TransactionSynchronizationRegistry transactions, WritePath writePath) {
        this.transactions = transactions;
        this.writePath = writePath;
    }

    /**
     * For JPA entity listeners, which Hibernate instantiates itself (no injection): the bean, looked up, records the
     * changes of the current transaction.
     */
    public static void recordFromListener(Collection<RowChange> changes) {
        Arc.container().instance(AfterCommit.class).get().invalidate(changes);
    }

    /** Invalidates {@code changes} after the current transaction commits; there must be one. */
    public void invalidate(Collection<RowChange> changes) {
        if (transactions.getTransactionKey() == null) {
            // Invalidating before (or without) the commit would let a reader refill the old row.
            throw new IllegalStateException("row changes recorded outside a transaction");
        }
        @SuppressWarnings("unchecked")
        List<RowChange> pending = (List<RowChange>) transactions.getResource(PENDING);
        if (pending == null) {
            List<RowChange> batch = new ArrayList<>();
            transactions.putResource(PENDING, batch);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                    writePath.beforeCommit(batch);
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        writePath.afterCommit(batch);
                    }
                }
            });
            pending = batch;
        }
        pending.addAll(changes);
    }
}
