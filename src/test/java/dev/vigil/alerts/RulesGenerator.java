package dev.vigil.alerts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the shipped rules from their one source: {@code alerts/src/vigil.rules.yml} with its placeholders set from
 * {@code alerts/thresholds.yml} gives {@code alerts/vigil.rules.yml}; the same groups (comments included) indented
 * under {@code spec:} give the Prometheus Operator's {@code packaging/kubernetes/prometheusrule.yaml}. Run it after
 * editing either source:
 * {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.vigil.alerts.RulesGenerator}.
 */
public final class RulesGenerator {
    public static final Path SOURCE = Path.of("alerts", "src", "vigil.rules.yml");
    public static final Path THRESHOLDS = Path.of("alerts", "thresholds.yml");
    public static final Path PROMETHEUS_RULE = Path.of("packaging", "kubernetes", "prometheusrule.yaml");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9_]+)}");
    private static final String REGENERATE = "mvn -B -q test-compile exec:java -Dexec.classpathScope=test"
        + " -Dexec.mainClass=dev.vigil.alerts.RulesGenerator";

    private RulesGenerator() {
    }

    /** The source with every placeholder set; fails on a placeholder without value and on a value never used. */
    public static String rules(String source, Map<String, Object> thresholds) {
        Set<String> unused = new TreeSet<>(thresholds.keySet());
        List<String> unknown = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(source);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = thresholds.get(m.group(1));
            if (value == null) {
                unknown.add(m.group(1));
                continue;
            }
            unused.remove(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(value)));
        }
        m.appendTail(out);
        if (!unknown.isEmpty() || !unused.isEmpty()) {
            throw new IllegalArgumentException("placeholders without a value in " + THRESHOLDS + ": " + unknown
                + "; values no rule uses: " + unused);
        }
        String text = out.toString();
        int groups = text.indexOf("\ngroups:");
        if (groups < 0) {
            throw new IllegalArgumentException(SOURCE + " has no top-level groups:");
        }
        return "# GENERATED from alerts/src/vigil.rules.yml and alerts/thresholds.yml by dev.vigil.alerts.RulesGenerator:\n"
            + "# do not edit; change those two files and run\n"
            + "#   " + REGENERATE + "\n#\n"
            + text.substring(text.indexOf("#\n# Conventions") + 2, groups + 1)
            + text.substring(groups + 1);
    }

    public static String prometheusRule(String rules) {
        int start = rules.indexOf("\ngroups:");
        StringBuilder out = new StringBuilder()
            .append("# GENERATED from alerts/src/vigil.rules.yml and alerts/thresholds.yml by dev.vigil.alerts.RulesGenerator:\n")
            .append("# do not edit. The rules of alerts/vigil.rules.yml for the Prometheus Operator; add the labels your\n")
            .append("# Prometheus' ruleSelector expects.\n")
            .append("apiVersion: monitoring.coreos.com/v1\n")
            .append("kind: PrometheusRule\n")
            .append("metadata:\n")
            .append("  name: vigil\n")
            .append("  namespace: vigil\n")
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

    @SuppressWarnings("unchecked")
    public static String rules() throws IOException {
        return rules(Files.readString(SOURCE), (Map<String, Object>) AlertRules.yaml(THRESHOLDS));
    }

    public static String regenerateCommand() {
        return REGENERATE;
    }

    public static void main(String[] args) throws IOException {
        String rules = rules();
        Files.writeString(AlertRules.RULES, rules);
        Files.createDirectories(PROMETHEUS_RULE.getParent());
        Files.writeString(PROMETHEUS_RULE, prometheusRule(rules));
        System.out.println("wrote " + AlertRules.RULES + " and " + PROMETHEUS_RULE);
    }
}
