package dev.cdccache.stack;

import java.util.Map;
import java.util.function.Function;

/** Typed, class-loader-safe access to the backing services this JVM started (see {@link BackingServices}). */
public final class StackControl {

    private StackControl() {
    }

    public static Map<String, String> properties() {
        return BackingServices.startShared();
    }

    public static String property(String key) {
        String value = properties().get(key);
        if (value == null) {
            throw new IllegalArgumentException("no stack property " + key);
        }
        return value;
    }

    public static void stopRedis(String region) {
        control("redis-stop:" + region);
    }

    public static void startRedis(String region) {
        control("redis-start:" + region);
    }

    public static boolean redisRunning(String region) {
        return Boolean.parseBoolean(control("redis-running:" + region));
    }

    @SuppressWarnings("unchecked")
    private static String control(String command) {
        BackingServices.startShared();
        return ((Function<String, String>) System.getProperties().get(BackingServices.CONTROL_KEY)).apply(command);
    }
}
