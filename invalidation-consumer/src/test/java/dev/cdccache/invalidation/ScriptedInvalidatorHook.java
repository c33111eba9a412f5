package dev.cdccache.invalidation;

import dev.cdccache.invalidation.service.InvalidatorHook;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/** Replaces the production no-op hook in tests: runs a scripted action once, on a member's next batch. */
@Singleton
public class ScriptedInvalidatorHook implements InvalidatorHook {

    private final Map<String, IntConsumer> once = new ConcurrentHashMap<>();

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
