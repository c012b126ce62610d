package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed rule file and PrometheusRule are what the generator makes from the one source and the thresholds. */
class GeneratedRulesTest {

    @Test
    void committedRuleFileIsGeneratedFromTheSourceAndTheThresholds() throws Exception {
        assertEquals(RulesGenerator.rules(), Files.readString(AlertRules.RULES), AlertRules.RULES
            + " differs from alerts/src/vigil.rules.yml with alerts/thresholds.yml: regenerate it with "
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
        String source = "groups:\n  - expr: x > ${a}\n";
        assertThrows(IllegalArgumentException.class, () -> RulesGenerator.rules(source, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> RulesGenerator.rules(source, Map.of("a", 1, "b", 2)));
        assertTrue(RulesGenerator.rules("#\n# Conventions\ngroups:\n  - expr: x > ${a}\n", Map.of("a", 0.9))
            .endsWith("groups:\n  - expr: x > 0.9\n"));
    }
}
