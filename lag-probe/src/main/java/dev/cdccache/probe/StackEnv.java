package dev.cdccache.probe;

/** The local stack's settings as `make` exports them from infra/stack.env, with the same defaults. */
final class StackEnv {

    private StackEnv() {}

    static String get(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + get("PG_PORT", "15432") + "/" + get("PG_DATABASE", "cdccache");
    }

    static String user() {
        return get("PG_USER", "cdccache");
    }

    static String password() {
        return get("PG_PASSWORD", "cdccache");
    }
}
