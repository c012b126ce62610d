package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What every alert must carry, and what must exist beside it: tests that fire it and keep it silent, a runbook. */
class AlertRulesTest {
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info", "none");

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndRunbookUrl() throws Exception {
        List<String> problems = new ArrayList<>();
        for (AlertRules.Rule a : AlertRules.alerts()) {
            Object severity = a.labels().get("severity");
            if (!SEVERITIES.contains(severity)) {
                problems.add(a.alert() + ": severity " + severity + " is not one of " + SEVERITIES);
            }
            for (String key : List.of("summary", "description", "runbook_url")) {
                Object v = a.annotations().get(key);
                if (v == null || v.toString().isBlank()) {
                    problems.add(a.alert() + ": no " + key);
                }
            }
            String expected = AlertRules.RUNBOOK_BASE + a.alert() + ".md";
            if (!expected.equals(a.annotations().get("runbook_url"))) {
                problems.add(a.alert() + ": runbook_url should be " + expected);
            }
            if (!a.alert().matches("[A-Z][A-Za-z0-9]+")) {
                problems.add(a.alert() + ": not CamelCase");
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyAlertHasARunbookWithItsFourSectionsAndNoRunbookIsOrphaned() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<String> names = new TreeSet<>();
        for (AlertRules.Rule a : AlertRules.alerts()) {
            names.add(a.alert());
            Path runbook = AlertRules.RUNBOOKS.resolve(a.alert() + ".md");
            if (!Files.isRegularFile(runbook)) {
                problems.add(a.alert() + ": no " + runbook);
                continue;
            }
            String text = Files.readString(runbook);
            if (!text.startsWith("# " + a.alert() + "\n")) {
                problems.add(runbook + ": first line is not '# " + a.alert() + "'");
            }
            for (String section : List.of("## Meaning", "## Impact", "## Diagnosis", "## Mitigation")) {
                if (!text.contains("\n" + section + "\n")) {
                    problems.add(runbook + ": no '" + section + "'");
                }
            }
            if (!text.contains("Severity: `" + a.labels().get("severity") + "`")) {
                problems.add(runbook + ": severity differs from the rule's " + a.labels().get("severity"));
            }
        }
        try (Stream<Path> s = Files.list(AlertRules.RUNBOOKS)) {
            s.map(p -> p.getFileName().toString().replaceFirst("\\.md$", ""))
                .filter(n -> !names.contains(n))
                .forEach(n -> problems.add("runbook " + n + ".md has no alert"));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyAlertHasAPromtoolTestThatFiresItAndOneThatDoesNot() throws Exception {
        Set<String> firing = AlertRules.testedAlerts(true);
        Set<String> silent = AlertRules.testedAlerts(false);
        List<String> problems = new ArrayList<>();
        for (AlertRules.Rule a : AlertRules.alerts()) {
            if (!firing.contains(a.alert())) {
                problems.add(a.alert() + ": no promtool test in alerts/tests/ expects it to fire");
            }
            // the Watchdog fires by definition
            if (!silent.contains(a.alert()) && !a.alert().equals("Watchdog")) {
                problems.add(a.alert() + ": no promtool test in alerts/tests/ expects it not to fire");
            }
        }
        assertEquals(List.of(), problems);
        Set<String> unknown = new TreeSet<>(firing);
        unknown.addAll(silent);
        AlertRules.alerts().forEach(a -> unknown.remove(a.alert()));
        assertEquals(Set.of(), unknown, "tests name alerts that the rules do not have");
    }

    /** An alert waits ({@code for:}) or judges a window (a range function), so one odd scrape does not notify. */
    @Test
    void noAlertFiresOnASingleEvaluation() throws Exception {
        List<String> instant = new ArrayList<>();
        for (AlertRules.Rule a : AlertRules.alerts()) {
            boolean windowed = a.expr().matches("(?s).*\\b(increase|rate|changes|[a-z]+_over_time)\\(.*");
            if (a.forDuration() == null && !windowed && !a.alert().equals("Watchdog")) {
                instant.add(a.alert());
            }
        }
        assertEquals(List.of(), instant, "alerts without for: and without a range window");
    }

    @Test
    void everyMetricARuleReadsIsDocumentedInAReference() throws Exception {
        String readme = dev.vigil.Docs.allReferences();
        Set<String> missing = new TreeSet<>();
        for (AlertRules.Rule r : AlertRules.load()) {
            for (String metric : r.metrics()) {
                if (!readme.contains("`" + metric + "`")) {
                    missing.add(metric + " (" + (r.isAlert() ? r.alert() : r.record()) + ")");
                }
            }
        }
        assertEquals(Set.of(), missing, "metrics used by rules but absent from the kinds' references");
    }

    @Test
    void theTlsKindsHaveTheirOwnGroup() throws Exception {
        for (AlertRules.Rule r : AlertRules.load()) {
            boolean tls = r.metrics().stream().anyMatch(m -> m.startsWith("vigil_tls_") || m.startsWith("vigil_certfile_"));
            if (tls) {
                assertEquals("vigil-tls", r.group(), r.alert() + " reads TLS metrics");
            }
        }
        assertTrue(AlertRules.alerts().stream().anyMatch(a -> a.group().equals("vigil-tls")));
    }
}
