package dev.cdccache.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local stack's settings: the environment (the make targets export infra/stack.env, with any override) over the
 * defaults declared in infra/stack.env itself, so no probe repeats a port or a name.
 */
final class StackEnv {

    private static final Pattern LINE = Pattern.compile("^([A-Z0-9_]+)=\\$\\{[A-Z0-9_]+:-(.*)}$");
    private static volatile Map<String, String> defaults;

    private StackEnv() {}

    /** The repository root: {@code -Dcdccache.repo.root}, else the working directory (make runs from the root). */
    static Path root() {
        return Paths.get(System.getProperty("cdccache.repo.root", "."))
                .toAbsolutePath()
                .normalize();
    }

    static String get(String name) {
        String v = System.getenv(name);
        if (v != null && !v.isBlank()) {
            return v;
        }
        String d = defaults().get(name);
        if (d == null) {
            throw new IllegalStateException(name + " is neither set nor declared in infra/stack.env");
        }
        return d;
    }

    static int port(String name) {
        return Integer.parseInt(get(name));
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = defaults;
        if (d == null) {
            d = new HashMap<>();
            try {
                for (String line : Files.readAllLines(root().resolve("infra/stack.env"))) {
                    Matcher m = LINE.matcher(line.trim());
                    if (m.matches()) {
                        d.put(m.group(1), m.group(2));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("infra/stack.env (run from the repository root)", e);
            }
            defaults = d;
        }
        return d;
    }

    static String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + get("PG_PORT") + "/" + get("PG_DATABASE");
    }

    static String user() {
        return get("PG_USER");
    }

    static String password() {
        return get("PG_PASSWORD");
    }

    /** {@code $STACK_DIR/name}, relative to the repository root unless absolute. */
    static Path stackFile(String name) {
        Path dir = Paths.get(get("STACK_DIR"));
        return (dir.isAbsolute() ? dir : root().resolve(dir)).resolve(name);
    }
}
