package dev.cdccache.support.repository;

import dev.cdccache.support.config.CacheConfig;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.agroal.DataSource;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.Connection;

/**
 * Where a read runs: {@link #regional} on the region's own copy (its replica where {@code cache.read-replica} is
 * on, else the primary), {@link #primary} always on the primary (writes' region, reads under a remote marker, the
 * global class). A replica that fails (down, unreachable) is skipped behind {@link ReplicaGuard}'s circuit breaker
 * and the primary answers: slower, never staler.
 */
@ApplicationScoped
public class RegionalReads {

    private static final Logger LOG = Logger.getLogger(RegionalReads.class);

    /** A unit of reading on one JDBC connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws Exception;
    }

    private final AgroalDataSource primary;
    private final AgroalDataSource replica;
    private final boolean useReplica;
    private final ReplicaGuard guard;
    private final Counter fallbacks;

    public RegionalReads(
            AgroalDataSource primary,
            @DataSource("replica") AgroalDataSource replica,
            CacheConfig config,
            ReplicaGuard guard,
            MeterRegistry registry) {
        this.primary = primary;
        this.replica = replica;
        this.useReplica = config.readReplica();
        this.guard = guard;
        this.fallbacks = Counter.builder("cache.replica.fallbacks")
                .description("regional reads the primary answered because the replica failed")
                .tag("region", config.region())
                .register(registry);
    }

    public boolean readsReplica() {
        return useReplica;
    }

    public <T> T regional(Work<T> work) throws Exception {
        if (!useReplica) {
            return primary(work);
        }
        try {
            return guard.call(() -> on(replica, work));
        } catch (Exception e) {
            fallbacks.increment();
            LOG.debugf("replica read failed (%s); reading the primary", e.getMessage());
            return primary(work);
        }
    }

    public <T> T primary(Work<T> work) throws Exception {
        return on(primary, work);
    }

    private static <T> T on(AgroalDataSource ds, Work<T> work) throws Exception {
        try (Connection c = ds.getConnection()) {
            return work.run(c);
        }
    }
}
