package dev.cdccache.invalidation.cdc;

import dev.cdccache.cache.CachedTable;
import dev.cdccache.invalidation.config.CdcConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Topic names and their explicit creation (partition count documented, not left to broker defaults). */
public final class KafkaTopics {

    public static final String HEARTBEAT_TABLE = "cdc_heartbeat";

    /** The relay's heartbeat write (Debezium's heartbeat action), also what a standby's rehearsal streams. */
    public static final String HEARTBEAT_UPDATE =
            "UPDATE public." + HEARTBEAT_TABLE + " SET beat_at = now() WHERE id = 1";

    /**
     * Header on every change record: the primary's flushed WAL position (decimal bytes since 0/0) read after the
     * change reached the relay; a replica that has replayed this far shows the change (see the replica gate).
     */
    public static final String VISIBLE_LSN_HEADER = "cdc.visible-lsn";

    private KafkaTopics() {}

    public static String forTable(CdcConfig config, String table) {
        return config.topicPrefix() + ".public." + table;
    }

    /** The tables the relay captures: every {@link CachedTable}, and the heartbeat table. */
    public static List<String> capturedTables() {
        List<String> tables = new ArrayList<>();
        for (CachedTable t : CachedTable.values()) {
            tables.add(t.table());
        }
        tables.add(HEARTBEAT_TABLE);
        return List.copyOf(tables);
    }

    public static List<String> all(CdcConfig config) {
        List<String> topics = new ArrayList<>();
        for (String table : capturedTables()) {
            topics.add(forTable(config, table));
        }
        topics.add(config.dlqTopic());
        return List.copyOf(topics);
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
