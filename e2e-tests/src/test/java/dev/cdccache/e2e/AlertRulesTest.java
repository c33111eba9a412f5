package dev.cdccache.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The alerting rules (infra/prometheus/alerts.yml) are valid, fire on their conditions and stay quiet beside them
 * (promtool's unit tests, infra/prometheus/alerts-test.yml), Prometheus loads them, and every alert has a runbook
 * line in the README. promtool comes from Debian's prometheus package (.ci/run installs it): a missing promtool
 * fails this test rather than skipping it.
 */
class AlertRulesTest {

    private static final Path ROOT = Repo.ROOT;
    private static final Path RULES = ROOT.resolve("infra/prometheus");

    private static String promtool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("promtool"));
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd)
                    .directory(RULES.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (java.io.IOException e) {
            throw new AssertionError("promtool not found: apt-get install prometheus (Debian), or run .ci/run", e);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "promtool timed out");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    @Test
    void theRulesAreValidAndTheirUnitTestsPass() throws Exception {
        assertTrue(promtool("check", "rules", "alerts.yml").contains("SUCCESS: 10 rules found"));
        assertTrue(promtool("test", "rules", "alerts-test.yml").contains("SUCCESS"));
    }

    @Test
    void everyAlertIsUnitTestedAndHasARunbookLine() throws Exception {
        String rules = Files.readString(RULES.resolve("alerts.yml"));
        String tests = Files.readString(RULES.resolve("alerts-test.yml"));
        String readme = Files.readString(ROOT.resolve("README.md"));
        Set<String> alerts = new TreeSet<>();
        Matcher m = Pattern.compile("- alert: (\\w+)").matcher(rules);
        while (m.find()) {
            alerts.add(m.group(1));
        }
        assertEquals(9, alerts.size(), alerts.toString());
        for (String alert : alerts) {
            assertTrue(tests.contains("alertname: " + alert), alert + " has no promtool test");
            assertTrue(readme.contains("`" + alert + "`"), alert + " has no runbook line in README.md");
        }
    }

    @Test
    void prometheusLoadsTheRules() throws Exception {
        assertTrue(Files.readString(RULES.resolve("prometheus.yml")).contains("rule_files: [\"alerts.yml\"]"));
        assertTrue(promtool("check", "config", "prometheus.yml").contains("SUCCESS"));
    }
}
