package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The committed rule file and PrometheusRule are what the generator makes from the rule sources and the thresholds. */
class GeneratedRulesTest {

    @Test
    void committedRuleFileIsGeneratedFromTheSourceAndTheThresholds() throws Exception {
        assertEquals(RulesGenerator.rules(), Files.readString(AlertRules.RULES), AlertRules.RULES
            + " differs from alerts/src/*.rules.yml with alerts/thresholds.yml: regenerate it with "
            + RulesGenerator.regenerateCommand());
    }

    @Test
    void committedPrometheusRuleIsGeneratedFromTheRuleFile() throws Exception {
        assertEquals(RulesGenerator.prometheusRule(RulesGenerator.rules()),
            Files.readString(RulesGenerator.PROMETHEUS_RULE), RulesGenerator.PROMETHEUS_RULE
                + " is out of date: regenerate it with " + RulesGenerator.regenerateCommand());
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePrometheusRuleHoldsExactlyTheGroupsOfTheRuleFile() throws Exception {
        Map<String, Object> resource = (Map<String, Object>) AlertRules.yaml(RulesGenerator.PROMETHEUS_RULE);
        Map<String, Object> rules = (Map<String, Object>) AlertRules.yaml(AlertRules.RULES);
        assertEquals("monitoring.coreos.com/v1", resource.get("apiVersion"));
        assertEquals("PrometheusRule", resource.get("kind"));
        assertEquals(rules.get("groups"), ((Map<String, Object>) resource.get("spec")).get("groups"));
    }

    @Test
    void everyThresholdIsUsedAndEveryPlaceholderSet() throws Exception {
        String rules = Files.readString(AlertRules.RULES);
        assertFalse(rules.contains("${"), "a placeholder is left in " + AlertRules.RULES);
        List<RulesGenerator.Source> source = List.of(src("a", "kinds: []\ngroups:\n  - name: g\n    rules:\n"
            + "      - record: r\n        expr: x > ${a}\n"));
        assertThrows(IllegalArgumentException.class, () -> RulesGenerator.rules(source, Map.of(BASE, "u/")));
        assertThrows(IllegalArgumentException.class,
            () -> RulesGenerator.rules(source, Map.of(BASE, "u/", "a", 1, "b", 2)));
        assertTrue(RulesGenerator.rules(source, Map.of(BASE, "u/", "a", 0.9))
            .endsWith("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x > 0.9\n"));
    }

    @Test
    void everyAlertGetsItsRunbookAfterItsLastAnnotation() {
        String rules = RulesGenerator.rules(List.of(src("a", """
            kinds: [a]
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: x > 1
                    annotations:
                      summary: s
                      description: >-
                        two
                        lines

                  # a comment on B
                  - alert: B
                    expr: y
                    annotations:
                      summary: s
            """)), Map.of(BASE, "https://r/"));
        assertTrue(rules.contains("            lines\n          runbook_url: https://r/A.md\n\n      # a comment on B\n"),
            rules);
        Map<String, Object> b = alert(rules, "B");
        assertEquals("https://r/B.md", ((Map<String, Object>) b.get("annotations")).get("runbook_url"));
    }

    @Test
    void kindsWithOwnAlertsComesFromTheKindsOfTheRuleFiles() {
        String rules = RulesGenerator.rules(List.of(
            src("agent", "kinds: []\ngroups:\n  - name: a\n    rules:\n      - record: r\n"
                + "        expr: s{kind!~\"${kinds_with_own_alerts}\"}\n"),
            src("etcd", "kinds: [etcd]\ngroups:\n  - name: e\n    rules:\n      - record: e\n        expr: e\n"),
            src("keepalived", "kinds: [keepalived, vip]\ngroups:\n  - name: k\n    rules:\n      - record: k\n"
                + "        expr: k\n")), Map.of(BASE, "u/"));
        assertTrue(rules.contains("s{kind!~\"etcd|keepalived|vip\"}"), rules);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RulesGenerator.rules(
            List.of(src("a", "kinds: [x]\ngroups:\n  - name: a\n    rules:\n      - record: r\n        expr: r\n"),
                src("b", "kinds: [x]\ngroups:\n  - name: b\n    rules:\n      - record: r\n        expr: r\n")),
            Map.of(BASE, "u/")));
        assertTrue(e.getMessage().contains("alerts/src/b.rules.yml kind x is already in the kinds: of"), e.getMessage());
    }

    /** A malformed source fails with its file name and what is wrong, never with silently wrong output. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "groups: [{name: g, rules: [{record: r, expr: x}]}]                     | has no kinds:",
        "kinds: []                                                              | has no groups:",
        "kinds: []\\ngroups: []                                                  | groups: must be a non-empty list",
        "groups: [{name: g, rules: [{record: r, expr: x}]}]\\nkinds: []          | groups: must be the last top-level key",
        "kinds: []\\nextra: 1\\ngroups: [{name: g, rules: [{record: r, expr: x}]}] | unknown top-level key extra",
        "kinds: etcd\\ngroups: [{name: g, rules: [{record: r, expr: x}]}]        | kinds: must be a list",
        "kinds: []\\ngroups: [{name: g, rules: [{record: r}]}]                   | has no expr:",
        "kinds: []\\ngroups: [{name: g, rules: [{alert: A, expr: x}]}]           | alert A has no annotations:",
        "kinds: []\\ngroups: [{name: g, rules: [{alert: A, record: r, expr: x}]}] | exactly one of alert: and record:",
        "kinds: []\\ngroups: [{name: g, rules: [{alert: A, expr: x, annotations: {summary: s, runbook_url: u}}]}] | the generator adds it",
        "kinds: []\\ngroups: [{name: g, rules: [x]}]                             | must be a mapping",
        "kinds: []\\ngroups:\\n  - name: g\\n   rules: [                            | is not valid YAML",
        "kinds: []\\ngroups: [{name: g, rules: [{alert: A, expr: x, annotations: {summary: s}}]}] | must be a block mapping",
        "- just a list                                                          | must be a mapping with the keys",
    })
    void aMalformedSourceFailsWithItsFileAndWhatIsWrong(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RulesGenerator.rules(List.of(src("bad", text.replace("\\n", "\n"))), Map.of(BASE, "u/")));
        assertTrue(e.getMessage().startsWith("alerts/src/bad.rules.yml "), e.getMessage());
        assertTrue(e.getMessage().contains(message.strip()), e.getMessage());
    }

    @Test
    void theKindsWithOwnAlertsAreNotAThreshold() {
        List<RulesGenerator.Source> source = List.of(src("a", "kinds: []\ngroups:\n  - name: g\n    rules:\n"
            + "      - record: r\n        expr: x\n"));
        assertThrows(IllegalArgumentException.class,
            () -> RulesGenerator.rules(source, Map.of(BASE, "u/", "kinds_with_own_alerts", "x")));
        assertThrows(IllegalArgumentException.class, () -> RulesGenerator.rules(source, Map.of()));
    }

    private static final String BASE = RulesGenerator.RUNBOOK_BASE_URL;

    private static RulesGenerator.Source src(String area, String text) {
        return new RulesGenerator.Source("alerts/src/" + area + ".rules.yml", text);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> alert(String rules, String name) {
        Map<String, Object> doc = (Map<String, Object>) new org.yaml.snakeyaml.Yaml().load(rules);
        for (Map<String, Object> g : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                if (name.equals(r.get("alert"))) {
                    return r;
                }
            }
        }
        throw new AssertionError("no alert " + name);
    }
}
