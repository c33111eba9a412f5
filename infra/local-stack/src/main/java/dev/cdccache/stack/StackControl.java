package dev.cdccache.stack;

import javax.management.JMException;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

/** Typed, class-loader-safe access to the backing services this JVM started (see {@link BackingServices}). */
public final class StackControl {

    private StackControl() {}

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

    /** A new connection to the test database (the caller closes it). */
    public static Connection database() throws SQLException {
        return DriverManager.getConnection(
                property("stack.pg.jdbc-url"), property("stack.pg.user"), property("stack.pg.password"));
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

    private static String control(String command) {
        BackingServices.startShared();
        try {
            return (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName(BackingServices.CONTROL_MBEAN),
                            "control",
                            new Object[] {command},
                            new String[] {String.class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("stack control '" + command + "' failed", e);
        }
    }
}
