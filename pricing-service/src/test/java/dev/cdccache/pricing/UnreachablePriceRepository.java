package dev.cdccache.pricing;

import dev.cdccache.pricing.entity.PriceView;
import dev.cdccache.pricing.repository.PriceRepository;
import dev.cdccache.support.repository.RegionalReads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.hibernate.SessionFactory;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

import java.util.Optional;

/**
 * Price loads that fail as the PostgreSQL driver fails when the server cannot be reached (SQLSTATE 08001), while
 * {@link #down} is set. Enabled only by the test profile that asks for it.
 */
@Alternative
@ApplicationScoped
public class UnreachablePriceRepository extends PriceRepository {

    static volatile boolean down;

    @Inject
    public UnreachablePriceRepository(RegionalReads reads, SessionFactory sessions) {
        super(reads, sessions);
    }

    /** For the client proxy of a normal-scoped bean. */
    protected UnreachablePriceRepository() {
        this(null, null);
    }

    @Override
    public Optional<PriceView> find(long productId) throws Exception {
        if (down) {
            throw new PSQLException("Connection to 127.0.0.1:5432 refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        }
        return super.find(productId);
    }
}
