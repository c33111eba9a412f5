package dev.cdccache.invalidation.cdc;

import java.util.stream.Collectors;

/**
 * Where the relay's streaming threads are, for the log line a silent relay writes: Debezium's own threads (named
 * {@code debezium-…}) and whichever thread is inside the embedded engine or the relay's batch handler. A thread dump
 * taken from outside after a stall shows where they are afterwards; this shows where they were during it (the
 * stall of session 14 could not be told apart from a wait on PostgreSQL, on Kafka, or on the JVM itself).
 */
final class StreamingThreads {

    private StreamingThreads() {}

    /**
     * One line per such thread: name, state, its three innermost frames (what it waits in) and then up to {@code own}
     * frames of non-JDK code (whose wait it is: Debezium's, pgjdbc's, Kafka's, ours); never throws.
     */
    static String describe(int own) {
        try {
            return Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> streaming(e.getKey(), e.getValue()))
                    .map(e -> line(e.getKey(), e.getValue(), own))
                    .sorted()
                    .collect(Collectors.joining("\n  ", "\n  ", ""));
        } catch (RuntimeException e) {
            return "threads not available (" + e + ")";
        }
    }

    private static boolean streaming(Thread t, StackTraceElement[] stack) {
        if (t.getName().startsWith("debezium-")) {
            return true;
        }
        for (StackTraceElement f : stack) {
            if (f.getClassName().startsWith("io.debezium.embedded")
                    || (f.getClassName().equals(CdcRelay.class.getName())
                            && f.getMethodName().equals("handleBatch"))) {
                return true;
            }
        }
        return false;
    }

    private static String line(Thread t, StackTraceElement[] stack, int own) {
        StringBuilder sb =
                new StringBuilder(t.getName()).append(" (").append(t.getState()).append("):");
        int innermost = Math.min(3, stack.length);
        for (int i = 0; i < innermost; i++) {
            sb.append(i == 0 ? " " : " < ").append(frame(stack[i]));
        }
        int shown = 0;
        boolean skipped = false;
        for (int i = innermost; i < stack.length && shown < own; i++) {
            String c = stack[i].getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")) {
                skipped = true;
                continue;
            }
            sb.append(skipped ? " < … < " : " < ").append(frame(stack[i]));
            skipped = false;
            shown++;
        }
        return sb.toString();
    }

    private static String frame(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName();
    }
}
