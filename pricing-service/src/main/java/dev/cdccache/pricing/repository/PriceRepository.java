package dev.cdccache.pricing.repository;

import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.support.rest.ProblemException;
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

    /** Reprices a whole category in one statement (one transaction); returns the product ids changed. */
    public List<Long> reprice(String category, BigDecimal percent) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("""
                UPDATE prices p SET amount_minor = GREATEST(0, round(p.amount_minor * (100 + ?) / 100.0))
                FROM products pr
                WHERE pr.id = p.product_id AND pr.category = ?
                RETURNING p.product_id""")) {
            ps.setBigDecimal(1, percent);
            ps.setString(2, category);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            return ids;
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
