package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The committed PrometheusRule is what the generator makes from the one rule file, and holds the same groups. */
class PrometheusRuleTest {

    @Test
    void committedPrometheusRuleIsGeneratedFromTheRuleFile() throws Exception {
        String committed = Files.readString(PrometheusRuleGenerator.OUTPUT);
        assertEquals(PrometheusRuleGenerator.generate(), committed, PrometheusRuleGenerator.OUTPUT
            + " differs from alerts/vigil.rules.yml: regenerate it with mvn -B -q test-compile exec:java"
            + " -Dexec.classpathScope=test -Dexec.mainClass=dev.vigil.alerts.PrometheusRuleGenerator");
    }

    @Test
    @SuppressWarnings("unchecked")
    void itsSpecHoldsExactlyTheGroupsOfTheRuleFile() throws Exception {
        Map<String, Object> resource = (Map<String, Object>) AlertRules.yaml(PrometheusRuleGenerator.OUTPUT);
        Map<String, Object> rules = (Map<String, Object>) AlertRules.yaml(AlertRules.RULES);
        assertEquals("monitoring.coreos.com/v1", resource.get("apiVersion"));
        assertEquals("PrometheusRule", resource.get("kind"));
        assertEquals(rules.get("groups"), ((Map<String, Object>) resource.get("spec")).get("groups"));
    }
}
