package dev.cdccache.console.service;

import dev.cdccache.console.config.ConsoleConfig;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** The instances the console watches, parsed once from {@link ConsoleConfig}. */
@ApplicationScoped
public class Topology {

    public record Reader(String name, String region, String service, String url) {
        boolean catalog() {
            return "catalog".equals(service);
        }
    }

    public record Invalidator(String name, String regions, String url) {}

    private final List<Reader> readers;
    private final List<Invalidator> invalidators;

    public Topology(ConsoleConfig config) {
        readers = config.readers().stream()
                .map(line -> fields(line, 4))
                .map(f -> new Reader(f[0], f[1], f[2], f[3]))
                .toList();
        invalidators = config.invalidators().stream()
                .map(line -> fields(line, 3))
                .map(f -> new Invalidator(f[0], f[1], f[2]))
                .toList();
    }

    private static String[] fields(String line, int n) {
        String[] f = line.trim().split("\\|");
        if (f.length != n) {
            throw new IllegalArgumentException("console topology entry '" + line + "' needs " + n + " fields");
        }
        return f;
    }

    public List<Reader> readers() {
        return readers;
    }

    public List<Invalidator> invalidators() {
        return invalidators;
    }

    /** The pricing instance of a region: where a write "via pricing-<region>" goes. */
    public Reader pricing(String region) {
        return readers.stream()
                .filter(r -> "pricing".equals(r.service()) && r.region().equals(region))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no pricing-service in region " + region));
    }
}
