package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/** The start-up cache's choices (infra/startup-cache.sh): use a fresh cache, train over a stale one, else none. */
class StartupCacheTest {

    /**
     * `make up` launches a kind's processes at once. The trainer used to remove the stale cache while its siblings
     * tested it; a sibling between its existence test and its age test then printed find's "No such file or
     * directory" and was told to use a cache that had gone. The stale file now stays until the trainer's exit
     * records the new one over it, so every sibling, whenever it asks, gets the same answer.
     */
    @Test
    void aTrainerLeavesTheStaleCacheInPlaceForItsSiblings(@TempDir Path dir) throws Exception {
        Path jars = jarsNewerThanCache(dir);
        Path cache = dir.resolve("cache/catalog.aot");

        String trainer = cacheFlags(dir, jars, "yes");
        assertTrue(trainer.startsWith("train -XX:AOTCacheOutput=" + cache), trainer);
        assertTrue(Files.exists(cache), "the stale cache was removed under the trainer's siblings");
        assertEquals("none", cacheFlags(dir, jars, "no"));
        assertEquals("none", cacheFlags(dir, jars, "yes"), "a training under way is not started twice");
    }

    @Test
    void aCacheNewerThanEveryJarIsUsed(@TempDir Path dir) throws Exception {
        Path jars = jarsNewerThanCache(dir);
        Path cache = dir.resolve("cache/catalog.aot");
        Files.setLastModifiedTime(cache, FileTime.from(Instant.now()));
        assertEquals("use -XX:AOTCache=" + cache + " -Xlog:aot=off -Xlog:cds=off", cacheFlags(dir, jars, "no"));
    }

    private static Path jarsNewerThanCache(Path dir) throws Exception {
        Path jars = Files.createDirectories(dir.resolve("app/lib"));
        Files.createDirectories(dir.resolve("cache"));
        Path cache = Files.writeString(dir.resolve("cache/catalog.aot"), "stale");
        Files.setLastModifiedTime(cache, FileTime.from(Instant.now().minusSeconds(3600)));
        Files.writeString(jars.resolve("app.jar"), "rebuilt");
        return dir.resolve("app");
    }

    /** Runs cache_flags on JDK 25's terms; anything on stderr fails the call. */
    private static String cacheFlags(Path dir, Path jars, String mayTrain) throws Exception {
        Repo.Bash r = Repo.bash(
                "set -euo pipefail; APP_JAVA_MAJOR=25 CACHE_DIR=\"$1\"; source infra/startup-cache.sh; "
                        + "cache_flags catalog \"$2\" \"$3\"",
                dir.resolve("cache").toString(),
                jars.toString(),
                mayTrain);
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err(), "stderr");
        return r.out().strip();
    }
}
