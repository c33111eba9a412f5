package dev.cdccache.catalog.repository;

import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plain JDBC: each write is one statement (its own transaction) that returns the new version, so the caller knows
 * exactly what committed before it invalidates. The version bump itself is a trigger (Flyway V1), so raw SQL
 * writes bump it too.
 */
@ApplicationScoped
public class ProductRepository {

    private static final String VIEW = """
            SELECT p.id, p.sku, p.name, p.description, p.category, p.version, p.updated_at,
                   pr.amount_minor, pr.currency, pr.version AS price_version
            FROM products p LEFT JOIN prices pr ON pr.product_id = p.id
            """;

    private final DataSource ds;

    public ProductRepository(DataSource ds) {
        this.ds = ds;
    }

    public Optional<ProductView> findView(long id) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(VIEW + " WHERE p.id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(view(rs)) : Optional.empty();
            }
        }
    }

    public List<ProductView> findByCategory(String category, int page, int size) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(VIEW + " WHERE p.category = ? ORDER BY p.id LIMIT ? OFFSET ?")) {
            ps.setString(1, category);
            ps.setInt(2, size);
            ps.setLong(3, (long) page * size);
            List<ProductView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(view(rs));
                }
            }
            return out;
        }
    }

    public long countByCategory(String category) throws SQLException {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM products WHERE category = ?")) {
            ps.setString(1, category);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public long insert(String sku, String name, String description, String category) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO products (sku, name, description, category) VALUES (?, ?, ?, ?) RETURNING id")) {
            ps.setString(1, sku);
            ps.setString(2, name);
            ps.setString(3, description);
            ps.setString(4, category);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw uniqueSku(e, sku);
        }
    }

    /**
     * Updates the given columns (null = unchanged). Returns the new version; 404 if the row is gone, 409 if
     * {@code expectedVersion} is set and no longer current.
     */
    public long update(long id, String sku, String name, String description, String category, Long expectedVersion)
            throws SQLException {
        String sql = """
                UPDATE products SET sku = COALESCE(?, sku), name = COALESCE(?, name),
                       description = COALESCE(?, description), category = COALESCE(?, category)
                WHERE id = ? AND (?::bigint IS NULL OR version = ?::bigint)
                RETURNING version
                """;
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, sku);
            ps.setString(2, name);
            ps.setString(3, description);
            ps.setString(4, category);
            ps.setLong(5, id);
            ps.setObject(6, expectedVersion);
            ps.setObject(7, expectedVersion);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getLong(1);
                }
            }
            throw missingOrConflict(c, id, expectedVersion);
        } catch (SQLException e) {
            throw uniqueSku(e, sku);
        }
    }

    public void delete(long id, Long expectedVersion) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "DELETE FROM products WHERE id = ? AND (?::bigint IS NULL OR version = ?::bigint)")) {
            ps.setLong(1, id);
            ps.setObject(2, expectedVersion);
            ps.setObject(3, expectedVersion);
            if (ps.executeUpdate() == 0) {
                throw missingOrConflict(c, id, expectedVersion);
            }
        }
    }

    private static ProblemException missingOrConflict(Connection c, long id, Long expected) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM products WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return ProblemException.notFound("product " + id + " does not exist");
                }
                return ProblemException.conflict("product " + id + " is at version " + rs.getLong(1)
                        + ", not " + expected);
            }
        }
    }

    private static SQLException uniqueSku(SQLException e, String sku) {
        if ("23505".equals(e.getSQLState())) {
            throw new ProblemException(409, "Conflict", "sku " + sku + " already exists");
        }
        return e;
    }

    private static ProductView view(ResultSet rs) throws SQLException {
        long amount = rs.getLong("amount_minor");
        ProductView.Price price = rs.wasNull() ? null
                : new ProductView.Price(amount, rs.getString("currency"), rs.getLong("price_version"));
        return new ProductView(rs.getLong("id"), rs.getString("sku"), rs.getString("name"), rs.getString("description"),
                rs.getString("category"), rs.getLong("version"), rs.getObject("updated_at", OffsetDateTime.class), price);
    }
}
