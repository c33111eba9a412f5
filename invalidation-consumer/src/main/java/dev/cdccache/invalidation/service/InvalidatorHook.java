package dev.cdccache.invalidation.service;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;

/**
 * Seam between receiving a batch and invalidating it: tests make a consumer fail there, as a crash mid-batch would,
 * and watch which partitions a rebalance takes from a member. Production wiring uses {@link #NONE} (see
 * {@link InvalidatorHookProducer}).
 */
@FunctionalInterface
public interface InvalidatorHook {

    InvalidatorHook NONE = (region, memberId, records) -> {};

    /** Called with the records of a poll before any of them is invalidated or committed. */
    void batchReceived(String region, String memberId, int records);

    /** A rebalance took these partitions from the member (its consumer's revocation callback). */
    default void partitionsRevoked(String region, String memberId, Collection<TopicPartition> partitions) {}

    /** A rebalance gave these partitions to the member (under cooperative rebalancing: only the added ones). */
    default void partitionsAssigned(String region, String memberId, Collection<TopicPartition> partitions) {}
}
