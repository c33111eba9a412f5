package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The repository under test, for the tests that read its files or run its shell functions. */
final class Repo {

    static final Path ROOT = Paths.get(System.getProperty("cdccache.repo.root", ".."))
            .toAbsolutePath()
            .normalize();

    record Bash(int exit, String out, String err) {}

    private Repo() {}

    /** {@code bash -c command - args...} in the repository's root, within 30 s. */
    static Bash bash(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", command, "-"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).start();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
        return new Bash(p.exitValue(), out, err.get(30, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
