package dev.cdccache.catalog.repository;

import dev.cdccache.catalog.entity.Product;
import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.support.repository.RegionalReads;
import dev.cdccache.support.repository.SqlState;
import dev.cdccache.support.service.Conflict;
import dev.cdccache.support.service.NotFound;
import io.quarkus.hibernate.orm.panache.PanacheRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import jakarta.persistence.Tuple;
import org.hibernate.SessionFactory;
import org.hibernate.StatelessSession;

import java.sql.Connection;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

/**
 * Products through Hibernate ORM. Writes run inside the caller's transaction and flush before returning, so a lost
 * optimistic lock or a taken sku surfaces here as a domain exception, not at commit. The product view (a product with
 * its current price) is one projection query.
 */
@ApplicationScoped
public class ProductRepository implements PanacheRepository<Product> {

    private static final String VIEW = """
            select p.id, p.sku, p.name, p.description, p.category, p.version, p.updatedAt,
                   pr.amountMinor, pr.currency, pr.version
            from Product p left join ProductPrice pr on pr.productId = p.id
            """;

    private final RegionalReads reads;
    private final SessionFactory sessions;

    public ProductRepository(RegionalReads reads, SessionFactory sessions) {
        this.reads = reads;
        this.sessions = sessions;
    }

    /** A cache load: the region's own copy (its replica in a replica region). */
    public Optional<ProductView> findView(long id) throws Exception {
        return reads.regional(c -> findView(c, id));
    }

    /** The primary's row, whatever the region: a read under a remote marker. */
    public Optional<ProductView> findViewOnPrimary(long id) throws Exception {
        return reads.primary(c -> findView(c, id));
    }

    /** One stateless session on the chosen connection: the same query, on whichever copy answers. */
    private Optional<ProductView> findView(Connection connection, long id) {
        try (StatelessSession s =
                sessions.withStatelessOptions().connection(connection).openStatelessSession()) {
            return s.createQuery(VIEW + " where p.id = :id", Tuple.class)
                    .setParameter("id", id)
                    .getResultStream()
                    .findFirst()
                    .map(ProductRepository::view);
        }
    }

    public List<ProductView> findByCategory(String category, int page, int size) {
        return getEntityManager()
                .createQuery(VIEW + " where p.category = :category order by p.id", Tuple.class)
                .setParameter("category", category)
                .setFirstResult(Math.multiplyExact(page, size))
                .setMaxResults(size)
                .getResultStream()
                .map(ProductRepository::view)
                .toList();
    }

    public long countByCategory(String category) {
        return count("category", category);
    }

    public Product insert(String sku, String name, String description, String category) {
        Product p = new Product();
        p.sku = sku;
        p.name = name;
        p.description = description;
        p.category = category;
        persist(p);
        flush(p.id, sku);
        return p;
    }

    /** Sets the given fields (null = unchanged) on the product at {@code expectedVersion} (null = any). */
    public Product update(long id, Long expectedVersion, String sku, String name, String description, String category) {
        Product p = current(id, expectedVersion);
        if (sku != null) {
            p.sku = sku;
        }
        if (name != null) {
            p.name = name;
        }
        if (description != null) {
            p.description = description;
        }
        if (category != null) {
            p.category = category;
        }
        flush(id, sku);
        return p;
    }

    public void delete(long id, Long expectedVersion) {
        delete(current(id, expectedVersion));
        flush(id, null);
    }

    private Product current(long id, Long expectedVersion) {
        Product p = findById(id);
        if (p == null) {
            throw new NotFound("product " + id + " does not exist");
        }
        if (expectedVersion != null && expectedVersion.longValue() != p.version) {
            throw Conflict.version("product " + id + " is at version " + p.version + ", not " + expectedVersion);
        }
        return p;
    }

    private void flush(Long id, String sku) {
        try {
            getEntityManager().flush();
        } catch (OptimisticLockException e) {
            throw Conflict.version("product " + id + " was changed concurrently; re-read it and retry");
        } catch (PersistenceException e) {
            if (SqlState.UNIQUE_VIOLATION.equals(SqlState.of(e))) {
                throw Conflict.state("sku " + sku + " already exists");
            }
            throw e;
        }
    }

    private static ProductView view(Tuple t) {
        Long amount = t.get(7, Long.class);
        ProductView.Price price =
                amount == null ? null : new ProductView.Price(amount, t.get(8, String.class), t.get(9, Long.class));
        return new ProductView(
                t.get(0, Long.class),
                t.get(1, String.class),
                t.get(2, String.class),
                t.get(3, String.class),
                t.get(4, String.class),
                t.get(5, Long.class),
                t.get(6, OffsetDateTime.class),
                price);
    }
}
