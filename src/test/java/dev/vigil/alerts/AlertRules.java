package dev.vigil.alerts;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The shipped rule file {@code alerts/vigil.rules.yml} and its promtool tests, read as data. */
public final class AlertRules {
    public static final Path DIR = Path.of("alerts");
    public static final Path RULES = DIR.resolve("vigil.rules.yml");
    public static final Path TESTS = DIR.resolve("tests");
    public static final Path RUNBOOKS = DIR.resolve("runbooks");
    /** Where the runbooks are published ({@code runbook_base_url} of {@code alerts/thresholds.yml}). */
    public static final String RUNBOOK_BASE = runbookBase();

    private static final Pattern METRIC = Pattern.compile("\\b(vigil_[a-z0-9_]*[a-z0-9])\\b");

    public record Rule(String group, String alert, String record, String expr, String forDuration,
                       Map<String, Object> labels, Map<String, Object> annotations) {
        public boolean isAlert() {
            return alert != null;
        }

        /** Names of vigil metrics the expression reads (recording rule outputs, {@code vigil:...}, excluded). */
        public Set<String> metrics() {
            Set<String> names = new TreeSet<>();
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        }
    }

    private AlertRules() {
    }

    @SuppressWarnings("unchecked")
    private static String runbookBase() {
        try {
            return (String) ((Map<String, Object>) yaml(RulesGenerator.THRESHOLDS)).get(RulesGenerator.RUNBOOK_BASE_URL);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static Object yaml(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
        }
    }

    @SuppressWarnings("unchecked")
    public static List<Rule> load() throws IOException {
        Map<String, Object> doc = (Map<String, Object>) yaml(RULES);
        List<Rule> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> r : (List<Map<String, Object>>) group.get("rules")) {
                rules.add(new Rule((String) group.get("name"), (String) r.get("alert"), (String) r.get("record"),
                    String.valueOf(r.get("expr")), r.get("for") == null ? null : String.valueOf(r.get("for")),
                    (Map<String, Object>) r.getOrDefault("labels", Map.of()),
                    (Map<String, Object>) r.getOrDefault("annotations", Map.of())));
            }
        }
        return rules;
    }

    /**
     * The shipped rules as a real Prometheus in a test loads them: each alert's {@code for:} set to
     * {@code forOf.apply(alertName)} (kept where that is null; an alert without {@code for:} gets none), nothing else
     * changed, so only time differs from what users load.
     */
    @SuppressWarnings("unchecked")
    public static String withFor(Function<String, String> forOf) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) yaml(RULES);
        for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.get("alert") instanceof String name && rule.containsKey("for") && forOf.apply(name) != null) {
                    rule.put("for", forOf.apply(name));
                }
            }
        }
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setWidth(4096);
        return new Yaml(o).dump(doc);
    }

    public static List<Rule> alerts() throws IOException {
        return load().stream().filter(Rule::isAlert).toList();
    }

    public static List<Path> testFiles() throws IOException {
        try (Stream<Path> s = Files.list(TESTS)) {
            return s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    /** Alert names that some promtool test expects to fire ({@code firing=true}) or expects silent. */
    @SuppressWarnings("unchecked")
    public static Set<String> testedAlerts(boolean firing) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (Path f : testFiles()) {
            Map<String, Object> doc = (Map<String, Object>) yaml(f);
            for (Map<String, Object> test : (List<Map<String, Object>>) doc.get("tests")) {
                for (Map<String, Object> t : (List<Map<String, Object>>) test.getOrDefault("alert_rule_test", List.of())) {
                    List<Object> exp = (List<Object>) t.get("exp_alerts");
                    boolean fires = exp != null && !exp.isEmpty();
                    if (fires == firing) {
                        names.add((String) t.get("alertname"));
                    }
                }
            }
        }
        return names;
    }
}
