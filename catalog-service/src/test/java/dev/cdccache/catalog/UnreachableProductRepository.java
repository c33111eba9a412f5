package dev.cdccache.catalog;

import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.catalog.repository.ProductRepository;
import dev.cdccache.support.repository.RegionalReads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.hibernate.SessionFactory;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

import java.util.Optional;

/**
 * Product view loads that fail as the PostgreSQL driver fails when the server cannot be reached (SQLSTATE 08001),
 * while {@link #down} is set; the database itself stays up for the module's other tests. Enabled only by the test
 * profile that asks for it.
 */
@Alternative
@ApplicationScoped
public class UnreachableProductRepository extends ProductRepository {

    static volatile boolean down;

    @Inject
    public UnreachableProductRepository(RegionalReads reads, SessionFactory sessions) {
        super(reads, sessions);
    }

    /** For the client proxy of a normal-scoped bean (ArC cannot add one to a subclass by itself). */
    protected UnreachableProductRepository() {
        this(null, null);
    }

    @Override
    public Optional<ProductView> findView(long id) throws Exception {
        if (down) {
            throw new PSQLException("Connection to 127.0.0.1:5432 refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        }
        return super.findView(id);
    }
}
