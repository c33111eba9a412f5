package dev.cdccache.invalidation.service;

import dev.cdccache.cache.Guard;
import dev.cdccache.cache.RegionInvalidation;
import dev.cdccache.invalidation.cdc.KafkaClients;
import dev.cdccache.invalidation.config.CdcConfig;
import dev.cdccache.support.cache.FaultInjection;
import dev.cdccache.support.config.CacheConfig;
import dev.cdccache.support.redis.RedisPorts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the {@link RegionInvalidator}s of each configured region: one consumer group and one Redis per region,
 * {@code cdc.invalidator.instances} members of that group in this process.
 */
@ApplicationScoped
public class Invalidators {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Invalidators.class);

    private final CdcConfig config;
    private final CacheConfig cacheConfig;
    private final KafkaClients kafka;
    private final MeterRegistry registry;
    /** One quarkus-redis-client client per region: {@code quarkus.redis.<region>.hosts}. */
    private final RedisPorts redisPorts;

    private final InvalidatorHook hook;
    private final Map<String, List<RegionInvalidator>> byRegion = new LinkedHashMap<>();
    private final Map<String, RegionInvalidation> caches = new LinkedHashMap<>();

    public Invalidators(
            CdcConfig config,
            CacheConfig cacheConfig,
            KafkaClients kafka,
            MeterRegistry registry,
            InvalidatorHook hook,
            RedisPorts redisPorts) {
        this.hook = hook;
        this.redisPorts = redisPorts;
        this.config = config;
        this.cacheConfig = cacheConfig;
        this.kafka = kafka;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent ev) {
        for (String region : config.invalidator().regions().orElse(List.of())) {
            // Only the invalidation role: no L1, no read path, no eviction subscription. Guard.DIRECT: the
            // invalidator retries until Redis answers; a circuit breaker would only add delay.
            RegionInvalidation cache = new RegionInvalidation(
                    region,
                    cacheConfig.broadcastAckTimeout().toMillis(),
                    redisPorts.named(region, cacheConfig.l2Timeout().toMillis()),
                    registry,
                    Guard.DIRECT,
                    // Writers of a region that reads a replica set remote markers; its invalidator lifts them.
                    config.invalidator().replica().containsKey(region));
            caches.put(region, cache);
            List<RegionInvalidator> members = new ArrayList<>();
            for (int i = 1; i <= config.invalidator().instances(); i++) {
                members.add(member(region, ProcessHandle.current().pid() + "-" + i));
            }
            byRegion.put(region, List.copyOf(members));
            members.forEach(RegionInvalidator::start);
        }
    }

    /** Another member of {@code region}'s consumer group, sharing this process's Redis connection; not started. */
    public RegionInvalidator member(String region, String memberId) {
        return new RegionInvalidator(region, memberId, kafka, config, cache(region), registry, gate(region), hook);
    }

    /** The region's replica gate (one per member: it keeps a connection); null where no gate applies. */
    private ReplicaGate gate(String region) {
        CdcConfig.Invalidator.Replica replica = config.invalidator().replica().get(region);
        if (replica == null) {
            return null;
        }
        String url = replica.jdbcUrl()
                .orElseThrow(() -> new IllegalStateException(
                        "cdc.invalidator.replica." + region + " is configured without a jdbc-url"));
        if (!cacheConfig.regionGate()) {
            LOG.warnf(
                    "invalidator %s: replica gate OFF (cache.region-gate=off): changes are invalidated before the "
                            + "replica has them, so a refill can cache the old row for a full TTL. Demonstration only.",
                    region);
            return null;
        }
        return new ReplicaGate(region, url, replica.user(), replica.password().orElse(""), registry);
    }

    void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
        for (RegionInvalidator inv : all()) {
            inv.stop();
        }
        caches.values().forEach(RegionInvalidation::close);
    }

    /** Chaos: the invalidators' L1 eviction messages can be dropped too (drop-l1-broadcast). */
    void applyChaos(@Observes FaultInjection.ChaosSettings settings) {
        caches.values().forEach(c -> c.publisher().setDropRate(settings.dropL1BroadcastRate()));
    }

    public List<RegionInvalidator> all() {
        return byRegion.values().stream().flatMap(List::stream).toList();
    }

    public java.util.Set<String> regions() {
        return byRegion.keySet();
    }

    /** The first member of the region's group in this process. */
    public RegionInvalidator region(String region) {
        List<RegionInvalidator> members = byRegion.get(region);
        if (members == null) {
            throw new IllegalArgumentException("no invalidator for region " + region);
        }
        return members.get(0);
    }

    public RegionInvalidation cache(String region) {
        return caches.get(region);
    }
}
