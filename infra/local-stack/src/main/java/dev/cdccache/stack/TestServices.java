package dev.cdccache.stack;

import java.io.IOException;
import java.util.Map;

/**
 * PostgreSQL (logical decoding on), one Redis per region and a KRaft Kafka broker for tests. Two backends: local
 * processes ({@link ProcessServices}, no Docker needed) and containers ({@link ContainerServices}, Testcontainers
 * with the images pinned in {@code .env}). {@link BackingServices} picks one per test JVM.
 */
public interface TestServices extends AutoCloseable {

    /** {@code process} or {@code containers}. */
    String backend();

    void start() throws IOException;

    /**
     * Connection settings: {@code stack.pg.jdbc-url|host|port|database|user|password}, {@code stack.kafka.bootstrap},
     * {@code stack.redis.<region>} (a {@code redis://} URI).
     */
    Map<String, String> properties();

    /** Stops a region's Redis; {@link #startRedis} brings it back on the same address. */
    void stopRedis(String region) throws IOException;

    void startRedis(String region) throws IOException;

    boolean redisRunning(String region);

    @Override
    void close();
}
