package dev.cdccache.invalidation.cdc;

import dev.cdccache.cache.KeyMapper;
import dev.cdccache.invalidation.config.CdcConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Topic names and their explicit creation (partition count documented, not left to broker defaults). */
public final class KafkaTopics {

    public static final String HEARTBEAT_TABLE = "cdc_heartbeat";

    private KafkaTopics() {}

    public static String forTable(CdcConfig config, String table) {
        return config.topicPrefix() + ".public." + table;
    }

    public static List<String> all(CdcConfig config) {
        return List.of(
                forTable(config, KeyMapper.PRODUCTS),
                forTable(config, KeyMapper.PRICES),
                forTable(config, HEARTBEAT_TABLE),
                config.dlqTopic());
    }

    public static void ensure(KafkaClients kafka, CdcConfig config) throws Exception {
        try (Admin admin = kafka.admin()) {
            for (String topic : all(config)) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, config.partitions(), (short) 1)))
                            .all()
                            .get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }
}
