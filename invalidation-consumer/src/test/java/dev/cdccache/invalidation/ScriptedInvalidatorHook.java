package dev.cdccache.invalidation;

import dev.cdccache.invalidation.service.InvalidatorHook;
import jakarta.inject.Singleton;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * Replaces the production no-op hook in tests: runs a scripted action once, on a member's next batch, and records
 * which partitions rebalances took from each member.
 */
@Singleton
public class ScriptedInvalidatorHook implements InvalidatorHook {

    private final Map<String, IntConsumer> once = new ConcurrentHashMap<>();
    private final Map<String, Set<TopicPartition>> revoked = new ConcurrentHashMap<>();
    private final Map<String, Set<TopicPartition>> owned = new ConcurrentHashMap<>();

    /** Starts counting revocations of {@code region}/{@code memberId} afresh. */
    public void forgetRevoked(String region, String memberId) {
        revoked.remove(region + "/" + memberId);
    }

    /** What {@code region}/{@code memberId} owns after the rebalances so far (assigned minus revoked). */
    public Set<TopicPartition> owned(String region, String memberId) {
        return Set.copyOf(owned.getOrDefault(region + "/" + memberId, Set.of()));
    }

    /** Every partition a rebalance has taken from {@code region}/{@code memberId} so far. */
    public Set<TopicPartition> revoked(String region, String memberId) {
        return Set.copyOf(revoked.getOrDefault(region + "/" + memberId, Set.of()));
    }

    @Override
    public void partitionsRevoked(String region, String memberId, Collection<TopicPartition> partitions) {
        revoked.computeIfAbsent(region + "/" + memberId, k -> ConcurrentHashMap.newKeySet())
                .addAll(List.copyOf(partitions));
        owned.computeIfAbsent(region + "/" + memberId, k -> ConcurrentHashMap.newKeySet())
                .removeAll(List.copyOf(partitions));
    }

    @Override
    public void partitionsAssigned(String region, String memberId, Collection<TopicPartition> partitions) {
        owned.computeIfAbsent(region + "/" + memberId, k -> ConcurrentHashMap.newKeySet())
                .addAll(List.copyOf(partitions));
    }

    /** {@code memberId} null: whichever member of the region receives a batch first. */
    public void onNextBatch(String region, String memberId, IntConsumer action) {
        once.put(region + "/" + (memberId == null ? "*" : memberId), action);
    }

    @Override
    public void batchReceived(String region, String memberId, int records) {
        IntConsumer action = once.remove(region + "/" + memberId);
        if (action == null) {
            action = once.remove(region + "/*");
        }
        if (action != null) {
            action.accept(records);
        }
    }
}
