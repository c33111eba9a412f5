package dev.cdccache.pricing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cdccache.cache.CacheKeys;
import dev.cdccache.cache.Loader;
import dev.cdccache.cache.RegionCache;
import dev.cdccache.cache.TestRegionCaches;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.stack.BackingServicesResource;
import dev.cdccache.stack.StackControl;
import dev.cdccache.support.service.Conflict;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The write path is transactional: the invalidation runs after the commit, a rolled-back write invalidates nothing,
 * and a write that loses the optimistic lock to a concurrent writer is a version conflict. The interleavings are made
 * deterministic by committing the concurrent write inside the test's transaction, between read and flush.
 */
@QuarkusTest
@QuarkusTestResource(BackingServicesResource.class)
class PriceTransactionsTest {

    @Inject
    PriceRepository repository;

    private static final Loader CACHED = k -> new Loader.Loaded("{\"cached\":true}", 1);

    @Test
    void aWriteThatLosesTheOptimisticLockIsAConflictAndInvalidatesNothing() throws Exception {
        long id = 1303;
        try (RegionCache us = TestRegionCaches.instance("us")) {
            us.cache().get(CacheKeys.price(id), CACHED);
            long before = dbVersion(id);

            assertThrows(
                    Conflict.class,
                    () -> QuarkusTransaction.requiringNew().run(() -> {
                        assertNotNull(repository.findById(id)); // this transaction now holds version `before`
                        sql("UPDATE prices SET amount_minor = amount_minor + 1 WHERE product_id = "
                                + id); // a batch job commits
                        repository.upsert(id, 777, "USD", null);
                    }));

            assertEquals(before + 1, dbVersion(id), "only the batch job's update committed");
            assertNotNull(
                    us.l2().get(CacheKeys.price(id)),
                    "the lost write deleted nothing: invalidating the batch job's change is the CDC backstop's job");
        }
    }

    @Test
    void aRolledBackWriteInvalidatesNothingAndACommittedOneInvalidatesAfterItsCommit() throws Exception {
        long id = 1304;
        try (RegionCache us = TestRegionCaches.instance("us")) {
            us.cache().get(CacheKeys.price(id), CACHED);
            long before = dbVersion(id);

            assertThrows(
                    IllegalStateException.class,
                    () -> QuarkusTransaction.requiringNew().run(() -> {
                        repository.upsert(id, 888, "USD", null);
                        throw new IllegalStateException("the caller fails after the flush, before the commit");
                    }));
            assertEquals(before, dbVersion(id), "rolled back");
            assertNotNull(us.l2().get(CacheKeys.price(id)), "nothing committed, nothing invalidated");

            QuarkusTransaction.requiringNew().run(() -> {
                repository.upsert(id, 889, "USD", null);
                // Flushed but not committed: a reader refilling now would read the old row, so the key must stay.
                assertNotNull(us.l2().get(CacheKeys.price(id)), "not invalidated before the commit");
            });
            assertEquals(before + 1, dbVersion(id));
            assertNull(us.l2().get(CacheKeys.price(id)), "invalidated once committed");
        }
    }

    private static long dbVersion(long productId) throws SQLException {
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement("SELECT version FROM prices WHERE product_id = ?")) {
            ps.setLong(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void sql(String statement) {
        try (Connection c = StackControl.database();
                PreparedStatement ps = c.prepareStatement(statement)) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
