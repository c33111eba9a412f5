package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code make bench} refused up front says why in one line, and nothing else. */
class BenchScriptTest {

    private static final Path ROOT = Repo.ROOT;

    /**
     * Before the fix its exit trap called a function defined further down the script, so a refusal before that point
     * (wrk missing, not built, no stack) also printed "stop_baseline: command not found" and ended with 127.
     */
    @Test
    void withNoStackUpItRefusesWithItsOwnMessageOnly() throws Exception {
        int unused;
        try (ServerSocket s = new ServerSocket(0)) {
            unused = s.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("infra/bench.sh").toString())
                .directory(ROOT.toFile())
                .redirectErrorStream(true);
        pb.environment().put("STEPS", "cdc"); // no wrk needed
        pb.environment().put("CATALOG_US_1_PORT", Integer.toString(unused));
        pb.environment()
                .put("STACK_DIR", ROOT.resolve("e2e-tests/target/no-stack").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(1, p.exitValue(), out);
        assertTrue(out.matches("(?s).*bench: (the stack is not up: make up|not built: make build)\\s*"), out);
        assertFalse(out.contains("command not found"), out);
    }
}
