package dev.cdccache.invalidation.cdc;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The relay's producer, the invalidators' consumers and producers, and the topic admin, all configured from the
 * Quarkus Kafka configuration ({@code kafka.*}, the {@code default-kafka-broker} the Kafka extension builds: bootstrap
 * servers, security settings, client tuning), plus the settings each role needs for the contract.
 */
@ApplicationScoped
public class KafkaClients {

    // Each client gets the kafka.* keys it knows, so one client's tuning does not warn in another's log.
    private static final Set<String> CONSUMER = ConsumerConfig.configNames();
    private static final Set<String> PRODUCER = ProducerConfig.configNames();
    private static final Set<String> ADMIN = AdminClientConfig.configNames();

    private final Map<String, Object> broker;

    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> broker) {
        this.broker = Map.copyOf(broker);
    }

    public String bootstrapServers() {
        return String.valueOf(broker.get("bootstrap.servers"));
    }

    /** Every change is acknowledged by all in-sync replicas and written once, even across producer retries. */
    public KafkaProducer<String, String> producer(Map<String, Object> settings) {
        Map<String, Object> p = known(PRODUCER);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putAll(settings);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Offsets are committed by the consumer loop after the keys are gone, never automatically. */
    public KafkaConsumer<String, String> consumer(Map<String, Object> settings) {
        Map<String, Object> p = known(CONSUMER);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putAll(settings);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    public Admin admin() {
        return Admin.create(known(ADMIN));
    }

    private Map<String, Object> known(Set<String> names) {
        Map<String, Object> p = new HashMap<>();
        broker.forEach((k, v) -> {
            if (names.contains(k)) {
                p.put(k, v);
            }
        });
        return p;
    }
}
