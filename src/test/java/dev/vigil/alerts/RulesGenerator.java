package dev.vigil.alerts;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Makes the shipped rules from their sources, one file per kind or area: {@code alerts/src/<area>.rules.yml}, joined
 * in the order of their file names, with their placeholders set from {@code alerts/thresholds.yml} and a
 * {@code runbook_url} added to every alert ({@code runbook_base_url} of the thresholds, then {@code <AlertName>.md}),
 * gives {@code alerts/vigil.rules.yml}; the same groups (comments included) indented under {@code spec:} give the
 * Prometheus Operator's {@code packaging/kubernetes/prometheusrule.yaml}.
 *
 * <p>Each source is a mapping of {@code kinds:} (the probe kinds whose failures its own alerts cover; the generator
 * joins them into the placeholder {@code kinds_with_own_alerts} that {@code VigilProbeFailing} leaves out) and
 * {@code groups:} (Prometheus rule groups, the last key). Sources are read as YAML structure, so a missing key or a
 * wrong shape fails with the file and what is wrong; the text of the groups is kept as written (comments included)
 * and the result is parsed again and compared with the sources' structure. Run it after editing a source:
 * {@code mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.vigil.alerts.RulesGenerator}.
 */
public final class RulesGenerator {
    public static final Path SOURCES = Path.of("alerts", "src");
    public static final String SOURCE_SUFFIX = ".rules.yml";
    public static final Path THRESHOLDS = Path.of("alerts", "thresholds.yml");
    public static final Path PROMETHEUS_RULE = Path.of("packaging", "kubernetes", "prometheusrule.yaml");
    public static final String RUNBOOK_BASE_URL = "runbook_base_url";
    public static final String KINDS_WITH_OWN_ALERTS = "kinds_with_own_alerts";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9_]+)}");
    private static final String REGENERATE = "mvn -B -q test-compile exec:java -Dexec.classpathScope=test"
        + " -Dexec.mainClass=dev.vigil.alerts.RulesGenerator";
    private static final String HEADER = """
        # GENERATED from alerts/src/*.rules.yml and alerts/thresholds.yml by dev.vigil.alerts.RulesGenerator:
        # do not edit; change those files and run
        #   %s
        #
        # Conventions
        # - severity: critical pages a human now, warning opens a ticket, none is the Watchdog's.
        # - runbook_url: one page per alert in alerts/runbooks/<AlertName>.md.
        # - Alerts that span nodes aggregate "by (cluster, ...)": give each cluster a `cluster` label in your scrape
        #   configuration (or external labels) when one Prometheus watches several; without it the label is empty and every
        #   node counts as one cluster.
        # - Thresholds and selectors live in alerts/thresholds.yml; the dashboards draw the same values (DashboardsTest checks
        #   them against the generated rules).
        """.formatted(REGENERATE);

    /** One rule file as read from disk: its name (for messages) and its text. */
    public record Source(String name, String text) {
    }

    /** A source read as structure: the kinds it covers, its alerts, and the text of its groups with runbooks added. */
    public record Area(String name, List<String> kinds, List<String> alerts, String groups) {
    }

    private RulesGenerator() {
    }

    /** Every {@code alerts/src/*.rules.yml}, in the order of their names (so a new kind's file edits no list). */
    public static List<Source> sources() throws IOException {
        List<Source> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(SOURCES)) {
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(SOURCE_SUFFIX)).sorted().toList()) {
                sources.add(new Source(p.toString().replace('\\', '/'), Files.readString(p)));
            }
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no *" + SOURCE_SUFFIX + " in " + SOURCES);
        }
        return sources;
    }

    /** The area name of a rule file: {@code alerts/src/etcd.rules.yml} is {@code etcd}. */
    public static String areaOf(String sourceName) {
        String file = sourceName.substring(sourceName.lastIndexOf('/') + 1);
        return file.endsWith(SOURCE_SUFFIX) ? file.substring(0, file.length() - SOURCE_SUFFIX.length()) : file;
    }

    /** Reads one source as structure; fails with the file and what is wrong. */
    public static Area read(Source source, String runbookBase) {
        Node root;
        try {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(source.text()));
        } catch (YAMLException e) {
            throw problem(source, "is not valid YAML: " + e.getMessage());
        }
        if (!(root instanceof MappingNode top)) {
            throw problem(source, "must be a mapping with the keys kinds: and groups:");
        }
        List<String> kinds = null;
        SequenceNode groups = null;
        int groupsLine = -1;
        List<NodeTuple> keys = top.getValue();
        for (int i = 0; i < keys.size(); i++) {
            String key = scalar(source, keys.get(i).getKeyNode(), "a top-level key");
            Node value = keys.get(i).getValueNode();
            switch (key) {
                case "kinds" -> kinds = strings(source, value, "kinds");
                case "groups" -> {
                    if (!(value instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
                        throw problem(source, "groups: must be a non-empty list of rule groups");
                    }
                    if (i != keys.size() - 1) {
                        throw problem(source, "groups: must be the last top-level key");
                    }
                    groups = seq;
                    groupsLine = keys.get(i).getKeyNode().getStartMark().getLine();
                }
                default -> throw problem(source, "has an unknown top-level key " + key + " (only kinds: and groups:)");
            }
        }
        if (kinds == null) {
            throw problem(source, "has no kinds: (the probe kinds its alerts cover; [] for none)");
        }
        if (groups == null) {
            throw problem(source, "has no groups:");
        }
        List<String> lines = new ArrayList<>(List.of(source.text().split("\n", -1)));
        TreeMap<Integer, String> insertions = new TreeMap<>();
        List<String> alerts = new ArrayList<>();
        for (Node g : groups.getValue()) {
            Map<String, Node> group = mapping(source, g, "a rule group");
            String name = scalar(source, required(source, group, "name", "a rule group"), "a group name");
            Node rulesNode = required(source, group, "rules", "group " + name);
            if (!(rulesNode instanceof SequenceNode rules) || rules.getValue().isEmpty()) {
                throw problem(source, "group " + name + ": rules: must be a non-empty list");
            }
            for (Node r : rules.getValue()) {
                String where = "group " + name + ", line " + (r.getStartMark().getLine() + 1);
                Map<String, Node> rule = mapping(source, r, where);
                required(source, rule, "expr", where);
                if (rule.containsKey("alert") == rule.containsKey("record")) {
                    throw problem(source, where + ": a rule has exactly one of alert: and record:");
                }
                if (rule.containsKey("record")) {
                    continue;
                }
                String alert = scalar(source, rule.get("alert"), where + ": alert");
                Node annotationsNode = required(source, rule, "annotations", "alert " + alert);
                Map<String, Node> annotations = mapping(source, annotationsNode, "annotations of " + alert);
                if (annotations.containsKey("runbook_url")) {
                    throw problem(source, "alert " + alert + " has a runbook_url: the generator adds it from "
                        + RUNBOOK_BASE_URL + " in " + THRESHOLDS + "; remove it");
                }
                required(source, annotations, "summary", "annotations of " + alert);
                if (((MappingNode) annotationsNode).getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
                    throw problem(source, "annotations of " + alert + " must be a block mapping (one key a line)");
                }
                alerts.add(alert);
                List<NodeTuple> entries = ((MappingNode) annotationsNode).getValue();
                int column = entries.get(0).getKeyNode().getStartMark().getColumn();
                insertions.put(lastLine(lines, entries.get(entries.size() - 1).getValueNode()),
                    " ".repeat(column) + "runbook_url: " + runbookBase + alert + ".md");
            }
        }
        for (Map.Entry<Integer, String> e : insertions.descendingMap().entrySet()) {
            lines.add(e.getKey() + 1, e.getValue());
        }
        String text = String.join("\n", lines.subList(groupsLine + 1, lines.size())).stripTrailing() + "\n";
        return new Area(areaOf(source.name()), kinds, alerts, text);
    }

    /** The joined rule file: every placeholder set; fails on a placeholder without value and on a value never used. */
    public static String rules(List<Source> sources, Map<String, Object> thresholds) {
        Map<String, Object> values = new HashMap<>(thresholds);
        if (values.containsKey(KINDS_WITH_OWN_ALERTS)) {
            throw new IllegalArgumentException(THRESHOLDS + ": " + KINDS_WITH_OWN_ALERTS
                + " is derived from the kinds: of the rule files; remove it");
        }
        if (!(values.remove(RUNBOOK_BASE_URL) instanceof String base) || base.isBlank()) {
            throw new IllegalArgumentException(THRESHOLDS + " has no " + RUNBOOK_BASE_URL + " (text)");
        }
        List<Area> areas = new ArrayList<>();
        Map<String, String> kindOwner = new LinkedHashMap<>();
        for (Source s : sources) {
            Area a = read(s, base);
            for (String k : a.kinds()) {
                String before = kindOwner.putIfAbsent(k, s.name());
                if (before != null) {
                    throw problem(s, "kind " + k + " is already in the kinds: of " + before);
                }
            }
            areas.add(a);
        }
        values.put(KINDS_WITH_OWN_ALERTS, String.join("|", kindOwner.keySet()));
        Set<String> unused = new TreeSet<>(values.keySet());
        unused.remove(KINDS_WITH_OWN_ALERTS);
        List<String> unknown = new ArrayList<>();
        StringBuilder out = new StringBuilder(HEADER).append("groups:\n");
        List<Object> expected = new ArrayList<>();
        for (int i = 0; i < areas.size(); i++) {
            String text = substitute(areas.get(i).groups(), values, unused, unknown, sources.get(i).name());
            out.append(i == 0 ? "" : "\n").append(text);
            expected.addAll(groupsOf(sources.get(i).name(), "groups:\n" + text));
        }
        if (!unknown.isEmpty() || !unused.isEmpty()) {
            throw new IllegalArgumentException("placeholders without a value in " + THRESHOLDS + ": " + unknown
                + "; values no rule uses: " + unused);
        }
        String rules = out.toString();
        if (!groupsOf("the joined rules", rules).equals(expected)) {
            throw new IllegalStateException("the joined rules differ from their sources: is every source indented"
                + " like the others (groups as \"  - name:\")?");
        }
        return rules;
    }

    public static String prometheusRule(String rules) {
        int start = rules.indexOf("\ngroups:");
        StringBuilder out = new StringBuilder()
            .append("# GENERATED from alerts/src/*.rules.yml and alerts/thresholds.yml by dev.vigil.alerts.RulesGenerator:\n")
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

    /** The rules made from the files on disk; also fails when an alert has no runbook page. */
    @SuppressWarnings("unchecked")
    public static String rules() throws IOException {
        List<Source> sources = sources();
        Map<String, Object> thresholds = (Map<String, Object>) AlertRules.yaml(THRESHOLDS);
        String rules = rules(sources, thresholds);
        Set<String> missing = new TreeSet<>();
        for (Source s : sources) {
            for (String alert : read(s, "").alerts()) {
                if (!Files.isRegularFile(AlertRules.RUNBOOKS.resolve(alert + ".md"))) {
                    missing.add(alert + " (" + s.name() + ")");
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("alerts without a runbook in " + AlertRules.RUNBOOKS + ": " + missing);
        }
        return rules;
    }

    /** Each rule file's kinds, by area name (from the files on disk). */
    public static Map<String, List<String>> kindsByArea() throws IOException {
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        for (Source s : sources()) {
            Area a = read(s, "");
            kinds.put(a.name(), a.kinds());
        }
        return kinds;
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

    private static String substitute(String text, Map<String, Object> values, Set<String> unused, List<String> unknown,
                                     String file) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Object value = values.get(m.group(1));
            if (value == null) {
                unknown.add(m.group(1) + " (" + file + ")");
                continue;
            }
            unused.remove(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf(value)));
        }
        m.appendTail(out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> groupsOf(String name, String text) {
        try {
            Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
            return (List<Object>) ((Map<String, Object>) doc).get("groups");
        } catch (YAMLException | ClassCastException e) {
            throw new IllegalArgumentException(name + " with its placeholders set is not a rule file: " + e.getMessage());
        }
    }

    /** The last line of a value, before any blank or comment lines that the parser counts into a block scalar's end. */
    private static int lastLine(List<String> lines, Node value) {
        int line = value.getEndMark().getColumn() == 0 ? value.getEndMark().getLine() - 1 : value.getEndMark().getLine();
        while (line > value.getStartMark().getLine()
            && (lines.get(line).isBlank() || lines.get(line).stripLeading().startsWith("#"))) {
            line--;
        }
        return line;
    }

    private static Map<String, Node> mapping(Source source, Node node, String what) {
        if (!(node instanceof MappingNode m)) {
            throw problem(source, what + " (line " + (node.getStartMark().getLine() + 1) + ") must be a mapping");
        }
        Map<String, Node> keys = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(source, t.getKeyNode(), "a key of " + what);
            if (keys.put(key, t.getValueNode()) != null) {
                throw problem(source, what + " has the key " + key + " twice");
            }
        }
        return keys;
    }

    private static Node required(Source source, Map<String, Node> keys, String key, String what) {
        Node n = keys.get(key);
        if (n == null) {
            throw problem(source, what + " has no " + key + ":");
        }
        return n;
    }

    private static String scalar(Source source, Node node, String what) {
        if (!(node instanceof ScalarNode s) || s.getValue().isBlank()) {
            throw problem(source, what + " (line " + (node.getStartMark().getLine() + 1) + ") must be a non-empty text");
        }
        return s.getValue();
    }

    private static List<String> strings(Source source, Node node, String what) {
        if (!(node instanceof SequenceNode seq)) {
            throw problem(source, what + ": must be a list (for example [etcd], or [] for none)");
        }
        Set<String> out = new LinkedHashSet<>();
        for (Node n : seq.getValue()) {
            if (!out.add(scalar(source, n, "an item of " + what))) {
                throw problem(source, what + ": lists " + ((ScalarNode) n).getValue() + " twice");
            }
        }
        return List.copyOf(out);
    }

    private static IllegalArgumentException problem(Source source, String what) {
        return new IllegalArgumentException(source.name() + " " + what);
    }
}
