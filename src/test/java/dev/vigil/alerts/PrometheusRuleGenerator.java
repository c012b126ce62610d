package dev.vigil.alerts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code packaging/kubernetes/prometheusrule.yaml} from {@code alerts/vigil.rules.yml}: the rule file's
 * {@code groups:} (comments included) indented under {@code spec:} of a Prometheus Operator {@code PrometheusRule}.
 * Run it after editing the rules:
 * {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.vigil.alerts.PrometheusRuleGenerator}.
 */
public final class PrometheusRuleGenerator {
    public static final Path OUTPUT = Path.of("packaging", "kubernetes", "prometheusrule.yaml");

    private PrometheusRuleGenerator() {
    }

    public static String generate(String rules) {
        int start = rules.indexOf("\ngroups:");
        if (start < 0) {
            throw new IllegalArgumentException("the rule file has no top-level groups:");
        }
        StringBuilder out = new StringBuilder();
        out.append("# GENERATED from alerts/vigil.rules.yml by dev.vigil.alerts.PrometheusRuleGenerator: do not edit.\n")
            .append("# The same rules for the Prometheus Operator; add the labels your Prometheus' ruleSelector expects.\n")
            .append("apiVersion: monitoring.coreos.com/v1\n")
            .append("kind: PrometheusRule\n")
            .append("metadata:\n")
            .append("  name: vigil\n")
            .append("  labels:\n")
            .append("    app.kubernetes.io/name: vigil\n")
            .append("    app.kubernetes.io/component: alerting\n")
            .append("spec:\n");
        for (String line : rules.substring(start + 1).split("\n", -1)) {
            out.append(line.isEmpty() ? "" : "  " + line).append('\n');
        }
        String s = out.toString();
        while (s.endsWith("\n\n")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    public static String generate() throws IOException {
        return generate(Files.readString(AlertRules.RULES));
    }

    public static void main(String[] args) throws IOException {
        Files.createDirectories(OUTPUT.getParent());
        Files.writeString(OUTPUT, generate());
        System.out.println("wrote " + OUTPUT);
    }
}
