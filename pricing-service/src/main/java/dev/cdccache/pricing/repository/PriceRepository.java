package dev.cdccache.pricing.repository;

import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.support.rest.ProblemException;
import dev.cdccache.support.service.Rejected;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Plain JDBC; each write is one statement (one transaction) returning what it changed. */
@ApplicationScoped
public class PriceRepository {

    private final DataSource ds;

    public PriceRepository(DataSource ds) {
        this.ds = ds;
    }

    public Optional<PriceView> find(long productId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT product_id, amount_minor, currency, version, updated_at FROM prices WHERE product_id = ?")) {
            ps.setLong(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new PriceView(rs.getLong(1), rs.getLong(2), rs.getString(3).trim(),
                        rs.getLong(4), rs.getObject(5, OffsetDateTime.class))) : Optional.empty();
            }
        }
    }

    /** The outcome of a PUT: the new version and whether the price row was created. */
    public record Upserted(long version, boolean created) {
    }

    public Upserted upsert(long productId, long amountMinor, String currency, Long expectedVersion) throws SQLException {
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE prices SET amount_minor = ?, currency = ?
                    WHERE product_id = ? AND (?::bigint IS NULL OR version = ?::bigint)
                    RETURNING version""")) {
                ps.setLong(1, amountMinor);
                ps.setString(2, currency);
                ps.setLong(3, productId);
                ps.setObject(4, expectedVersion);
                ps.setObject(5, expectedVersion);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Upserted(rs.getLong(1), false);
                    }
                }
            }
            Optional<Long> current = currentVersion(c, productId);
            if (current.isPresent()) {
                throw ProblemException.conflict("price of product " + productId + " is at version " + current.get()
                        + ", not " + expectedVersion);
            }
            if (expectedVersion != null) {
                throw ProblemException.conflict("product " + productId + " has no price yet; omit the version to create it");
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO prices (product_id, amount_minor, currency) VALUES (?, ?, ?)
                    ON CONFLICT (product_id) DO NOTHING RETURNING version""")) {
                ps.setLong(1, productId);
                ps.setLong(2, amountMinor);
                ps.setString(3, currency);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Upserted(rs.getLong(1), true);
                    }
                }
                throw ProblemException.conflict("the price of product " + productId + " was created concurrently; retry");
            } catch (SQLException e) {
                if ("23503".equals(e.getSQLState())) {
                    throw ProblemException.notFound("product " + productId + " does not exist");
                }
                throw e;
            }
        }
    }

    /** The highest price a PUT or a repricing may set, in minor units. */
    public static final long MAX_AMOUNT_MINOR = 1_000_000_000_00L;

    /**
     * Reprices a whole category in one statement (one transaction); returns the product ids changed. All or nothing:
     * if the category has more than {@code maxRows} prices, or a new price would exceed {@link #MAX_AMOUNT_MINOR},
     * nothing changes and {@link Rejected} says why. The guard is in the same statement, so no concurrent write can
     * slip between the check and the update.
     */
    public List<Long> reprice(String category, BigDecimal percent, int maxRows) throws SQLException {
        try (Connection c = ds.getConnection()) {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH target AS (
                      SELECT p.product_id, GREATEST(0, round(p.amount_minor * (100 + ?) / 100.0)) AS amount
                      FROM prices p JOIN products pr ON pr.id = p.product_id WHERE pr.category = ?),
                    guard AS (SELECT count(*) AS n, coalesce(max(amount), 0) AS top FROM target)
                    UPDATE prices p SET amount_minor = t.amount::bigint
                    FROM target t, guard g
                    WHERE p.product_id = t.product_id AND g.n <= ? AND g.top <= ?
                    RETURNING p.product_id""")) {
                ps.setBigDecimal(1, percent);
                ps.setString(2, category);
                ps.setInt(3, maxRows);
                ps.setLong(4, MAX_AMOUNT_MINOR);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
            }
            if (ids.isEmpty()) {
                explainRefusal(c, category, percent, maxRows);
            }
            return ids;
        }
    }

    /** Nothing was updated: an empty category is fine; a guard that refused is reported. */
    private static void explainRefusal(Connection c, String category, BigDecimal percent, int maxRows) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT count(*), coalesce(max(round(p.amount_minor * (100 + ?) / 100.0)), 0) > ?
                FROM prices p JOIN products pr ON pr.id = p.product_id WHERE pr.category = ?""")) {
            ps.setBigDecimal(1, percent);
            ps.setLong(2, MAX_AMOUNT_MINOR);
            ps.setString(3, category);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long rows = rs.getLong(1);
                if (rows > maxRows) {
                    throw new Rejected("category '" + category + "' has " + rows + " prices; one repricing may change at most "
                            + maxRows);
                }
                if (rs.getBoolean(2)) {
                    throw new Rejected("repricing by " + percent + " % would take a price above the maximum of "
                            + MAX_AMOUNT_MINOR + " minor units; nothing was changed");
                }
            }
        }
    }

    private static Optional<Long> currentVersion(Connection c, long productId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM prices WHERE product_id = ?")) {
            ps.setLong(1, productId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }
}
