package dev.cdccache.catalog;

import dev.cdccache.catalog.entity.ProductView;
import dev.cdccache.catalog.repository.ProductRepository;
import dev.cdccache.support.repository.RegionalReads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import org.hibernate.SessionFactory;

import java.util.Optional;

/**
 * A product view load that takes 300 ms: a wide miss window, so a burst of concurrent reads really overlaps the one
 * load. Enabled only by the test profiles that ask for it.
 */
@Alternative
@ApplicationScoped
public class SlowProductRepository extends ProductRepository {

    @Inject
    public SlowProductRepository(RegionalReads reads, SessionFactory sessions) {
        super(reads, sessions);
    }

    /** For the client proxy of a normal-scoped bean (ArC cannot add one to a subclass by itself). */
    protected SlowProductRepository() {
        this(null, null);
    }

    @Override
    public Optional<ProductView> findView(long id) throws Exception {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return super.findView(id);
    }
}
