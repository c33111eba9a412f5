package dev.cdccache.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The stack's processes as infra/processes declares them (the file stack.sh, report.sh and the chaos scripts read),
 * with their ports from {@link StackEnv}: the probes find readers, relays, invalidators and Redis nodes by role.
 */
final class Topology {

    record Proc(String name, String kind, String region, Set<String> roles, int port) {

        boolean has(String role) {
            return roles.contains(role);
        }

        /** {@code catalog} or {@code pricing} for the services: the name up to its first dash. */
        String service() {
            int dash = name.indexOf('-');
            return dash < 0 ? name : name.substring(0, dash);
        }

        String http() {
            return "http://127.0.0.1:" + port;
        }
    }

    private static volatile List<Proc> all;

    private Topology() {}

    static List<Proc> all() {
        List<Proc> a = all;
        if (a == null) {
            a = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(StackEnv.root().resolve("infra/processes"))) {
                    String l = line.strip();
                    if (l.isEmpty() || l.startsWith("#")) {
                        continue;
                    }
                    String[] f = l.split("\\s*\\|\\s*");
                    a.add(new Proc(f[0], f[1], f[2], Set.of(f[4].split(",")), StackEnv.port(f[3])));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("infra/processes (run from the repository root)", e);
            }
            a = List.copyOf(a);
            all = a;
        }
        return a;
    }

    static List<Proc> withRole(String role) {
        return all().stream().filter(p -> p.has(role)).toList();
    }

    /** The readers of a service ({@code catalog} or {@code pricing}), in declaration order. */
    static List<Proc> readers(String service) {
        return withRole("reader").stream()
                .filter(p -> p.service().equals(service))
                .toList();
    }

    /** The writer of a service ({@code catalog} or {@code pricing}) in a region. */
    static Proc writer(String service, String region) {
        return withRole("writer").stream()
                .filter(p -> p.service().equals(service) && p.region().equals(region))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + service + " writer in " + region));
    }

    /** The region's Redis node itself (not a proxy in front of it). */
    static Proc redis(String region) {
        return withRole("redis").stream()
                .filter(p -> p.region().equals(region))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no redis for region " + region));
    }

    /** The regions that have a Redis, in declaration order: us, eu. */
    static List<String> regions() {
        return withRole("redis").stream().map(Proc::region).toList();
    }
}
