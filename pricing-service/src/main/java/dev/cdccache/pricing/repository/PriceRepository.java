package dev.cdccache.pricing.repository;

import dev.cdccache.pricing.entity.Price;
import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.support.repository.RegionalReads;
import dev.cdccache.support.repository.SqlState;
import dev.cdccache.support.service.Conflict;
import dev.cdccache.support.service.NotFound;
import dev.cdccache.support.service.Rejected;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;

import java.math.BigDecimal;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;

/**
 * Prices through Hibernate ORM. Writes run inside the caller's transaction and flush before returning, so a lost
 * optimistic lock, a missing product or a concurrent create surfaces here as a domain exception, not at commit.
 */
@ApplicationScoped
public class PriceRepository implements PanacheRepositoryBase<Price, Long> {

    /** The highest price a PUT or a repricing may set, in minor units. */
    public static final long MAX_AMOUNT_MINOR = 1_000_000_000_00L;

    private final RegionalReads reads;
    private final SessionFactory sessions;

    public PriceRepository(RegionalReads reads, SessionFactory sessions) {
        this.reads = reads;
        this.sessions = sessions;
    }

    /** A cache load: the region's own copy (its replica in a replica region). */
    public Optional<PriceView> find(long productId) throws Exception {
        return reads.regional(c -> find(c, productId));
    }

    /** The primary's row, whatever the region: reads under a remote marker and the global class (quotes). */
    public Optional<PriceView> findOnPrimary(long productId) throws Exception {
        return reads.primary(c -> find(c, productId));
    }

    private Optional<PriceView> find(Connection connection, long productId) {
        try (StatelessSession s =
                sessions.withStatelessOptions().connection(connection).openStatelessSession()) {
            return Optional.ofNullable(s.get(Price.class, productId)).map(Price::view);
        }
    }

    /** The outcome of a PUT: the new version and whether the price row was created. */
    public record Upserted(long version, boolean created) {}

    /** Sets the price of a product at {@code expectedVersion} (null = any), creating it when it has none. */
    public Upserted upsert(long productId, long amountMinor, String currency, Long expectedVersion) {
        Price p = findById(productId);
        if (p != null) {
            if (expectedVersion != null && expectedVersion.longValue() != p.version) {
                throw Conflict.version(
                        "price of product " + productId + " is at version " + p.version + ", not " + expectedVersion);
            }
            p.amountMinor = amountMinor;
            p.currency = currency;
            flush(productId);
            return new Upserted(p.version, false);
        }
        if (expectedVersion != null) {
            throw Conflict.version("product " + productId + " has no price yet; omit the version to create it");
        }
        p = new Price();
        p.productId = productId;
        p.amountMinor = amountMinor;
        p.currency = currency;
        persist(p);
        flush(productId);
        return new Upserted(p.version, true);
    }

    /** One repriced row: its product and the row's new version (the trigger's). */
    public record Repriced(long productId, long version) {}

    /**
     * Reprices a whole category in one statement; returns the rows changed. All or nothing: if the category
     * has more than {@code maxRows} prices, or a new price would exceed {@link #MAX_AMOUNT_MINOR}, nothing changes and
     * {@link Rejected} says why. The guard is in the same statement, so no concurrent write can slip between the check
     * and the update. One SQL statement rather than entities: thousands of rows in one round trip.
     */
    public List<Repriced> reprice(String category, BigDecimal percent, int maxRows) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = getEntityManager()
                .createNativeQuery("""
                        WITH target AS (
                          SELECT p.product_id, GREATEST(0, round(p.amount_minor * (100 + ?1) / 100.0)) AS amount
                          FROM prices p JOIN products pr ON pr.id = p.product_id WHERE pr.category = ?2),
                        guard AS (SELECT count(*) AS n, coalesce(max(amount), 0) AS top FROM target)
                        UPDATE prices p SET amount_minor = CAST(t.amount AS bigint)
                        FROM target t, guard g
                        WHERE p.product_id = t.product_id AND g.n <= ?3 AND g.top <= ?4
                        RETURNING p.product_id, p.version""")
                .setParameter(1, percent)
                .setParameter(2, category)
                .setParameter(3, maxRows)
                .setParameter(4, MAX_AMOUNT_MINOR)
                .getResultList();
        if (rows.isEmpty()) {
            explainRefusal(category, percent, maxRows);
        }
        return rows.stream()
                .map(r -> new Repriced(((Number) r[0]).longValue(), ((Number) r[1]).longValue()))
                .toList();
    }

    /** Nothing was updated: an empty category is fine; a guard that refused is reported. */
    private void explainRefusal(String category, BigDecimal percent, int maxRows) {
        Object[] row = (Object[]) getEntityManager()
                .createNativeQuery("""
                        SELECT count(*), coalesce(max(round(p.amount_minor * (100 + ?1) / 100.0)), 0) > ?2
                        FROM prices p JOIN products pr ON pr.id = p.product_id WHERE pr.category = ?3""")
                .setParameter(1, percent)
                .setParameter(2, MAX_AMOUNT_MINOR)
                .setParameter(3, category)
                .getSingleResult();
        long rows = ((Number) row[0]).longValue();
        if (rows > maxRows) {
            throw new Rejected(
                    "category '" + category + "' has " + rows + " prices; one repricing may change at most " + maxRows);
        }
        if (Boolean.TRUE.equals(row[1])) {
            throw new Rejected("repricing by " + percent + " % would take a price above the maximum of "
                    + MAX_AMOUNT_MINOR + " minor units; nothing was changed");
        }
    }

    private void flush(long productId) {
        try {
            getEntityManager().flush();
        } catch (OptimisticLockException e) {
            throw Conflict.version(
                    "the price of product " + productId + " was changed concurrently; re-read and retry");
        } catch (PersistenceException e) {
            String state = SqlState.of(e);
            if (SqlState.FOREIGN_KEY_VIOLATION.equals(state)) {
                throw new NotFound("product " + productId + " does not exist");
            }
            if (SqlState.UNIQUE_VIOLATION.equals(state)) {
                throw Conflict.state("the price of product " + productId + " was created concurrently; retry");
            }
            throw e;
        }
    }
}
