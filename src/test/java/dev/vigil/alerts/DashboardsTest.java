package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Grafana has no test mode here: this checks what Grafana needs to import a dashboard through the UI or by
 * provisioning, that every variable used is defined, that every metric queried is documented, and that thresholds
 * drawn for an alert are that alert's. {@code AlertPathIT} runs the queries against a real Prometheus.
 */
class DashboardsTest {
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::[a-z]+)?}|\\$([A-Za-z_][A-Za-z0-9_]*)|\\[\\[([A-Za-z0-9_]+)]]");
    private static final Set<String> BUILT_IN = Set.of("__rate_interval", "__interval", "__range", "__url_time_range",
        "__all_variables", "__dashboard", "__from", "__to", "__interval_ms", "__range_s", "__name");
    /** An overview, and one dashboard per kind area (each rule file of a kind, see {@code KindLayoutTest}). */
    @Test
    void anOverviewAndOneDashboardPerKind() throws Exception {
        Set<String> names = Dashboards.files().stream()
            .map(p -> p.getFileName().toString().replaceFirst("^vigil-(.*)\\.json$", "$1")).collect(Collectors.toSet());
        Set<String> expected = new TreeSet<>(KindLayoutTest.kindAreas());
        expected.add("overview");
        assertEquals(expected, names);
    }

    @Test
    void everyDashboardHasWhatGrafanaNeeds() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<String> uids = new HashSet<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            String name = f.getFileName().toString();
            for (String key : List.of("title", "uid")) {
                if (d.path(key).asText().isBlank()) {
                    problems.add(name + ": no " + key);
                }
            }
            if (!d.path("schemaVersion").isInt()) {
                problems.add(name + ": schemaVersion is not a number");
            }
            if (d.path("uid").asText().length() > 40 || !uids.add(d.path("uid").asText())) {
                problems.add(name + ": uid longer than 40 characters or not unique");
            }
            if (!d.path("__inputs").toString().contains("\"DS_PROMETHEUS\"")) {
                problems.add(name + ": no DS_PROMETHEUS input for the import dialog");
            }
            Set<String> ids = new HashSet<>();
            for (JsonNode p : Dashboards.panels(d)) {
                String where = name + " / " + p.path("title").asText("(untitled)");
                if (!p.path("id").isInt() || !ids.add(p.path("id").asText())) {
                    problems.add(where + ": id missing or not unique");
                }
                JsonNode g = p.path("gridPos");
                for (String k : List.of("h", "w", "x", "y")) {
                    if (!g.path(k).isInt()) {
                        problems.add(where + ": gridPos." + k + " missing");
                    }
                }
                if (g.path("x").asInt() + g.path("w").asInt() > 24) {
                    problems.add(where + ": wider than the 24 grid columns");
                }
                if (p.path("type").asText().isBlank() || p.path("title").asText().isBlank()) {
                    problems.add(where + ": no type or title");
                }
                if (p.path("type").asText().equals("row")) {
                    continue;
                }
                if (!p.path("targets").isArray() || p.path("targets").isEmpty()) {
                    problems.add(where + ": no targets");
                }
                Set<String> refs = new HashSet<>();
                for (JsonNode t : p.path("targets")) {
                    if (t.path("expr").asText().isBlank()) {
                        problems.add(where + ": a target without expr");
                    }
                    if (!refs.add(t.path("refId").asText())) {
                        problems.add(where + ": refId missing or repeated");
                    }
                    if (!t.path("datasource").path("uid").asText().equals("${datasource}")) {
                        problems.add(where + ": a target not on the $datasource variable");
                    }
                }
                if (!p.path("datasource").path("uid").asText().equals("${datasource}")) {
                    problems.add(where + ": panel not on the $datasource variable");
                }
            }
            for (JsonNode link : Dashboards.panels(d).stream().flatMap(p -> iterable(p.path("links")).stream()).toList()) {
                Matcher m = Pattern.compile("^/d/([^?/]+)").matcher(link.path("url").asText());
                if (m.find() && !allUids().contains(m.group(1))) {
                    problems.add(name + ": link to unknown dashboard " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyVariableUsedIsDefined() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Path f : Dashboards.files()) {
            JsonNode d = Dashboards.read(f);
            Set<String> defined = new TreeSet<>(BUILT_IN);
            d.path("templating").path("list").forEach(v -> defined.add(v.path("name").asText()));
            d.path("__inputs").forEach(i -> defined.add(i.path("name").asText()));
            for (String need : List.of("datasource", "job", "instance")) {
                if (!defined.contains(need)) {
                    problems.add(f.getFileName() + ": no $" + need + " variable");
                }
            }
            Matcher m = VARIABLE.matcher(d.toString());
            while (m.find()) {
                String v = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                if (!defined.contains(v)) {
                    problems.add(f.getFileName() + ": $" + v + " is used but not defined");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyMetricQueriedIsInAReference() throws Exception {
        String readme = dev.vigil.Docs.allReferences();
        Set<String> missing = new TreeSet<>();
        for (Dashboards.Query q : Dashboards.queries()) {
            for (String metric : q.metrics()) {
                if (!readme.contains("`" + metric + "`")) {
                    missing.add(metric + " (" + q.where() + ")");
                }
            }
        }
        assertEquals(Set.of(), missing);
    }

    /** A panel that says it draws an alert's thresholds draws only numbers that the alert's expression uses. */
    @Test
    void thresholdsDrawnForAnAlertAreTheAlerts() throws Exception {
        Map<String, String> exprs = AlertRules.alerts().stream()
            .collect(Collectors.toMap(AlertRules.Rule::alert, AlertRules.Rule::expr));
        Pattern names = Pattern.compile("Thresholds are those of the alert ([A-Za-z]+)\\.");
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path f : Dashboards.files()) {
            for (JsonNode p : Dashboards.panels(Dashboards.read(f))) {
                Matcher m = names.matcher(p.path("description").asText());
                if (!m.find()) {
                    continue;
                }
                String expr = exprs.get(m.group(1));
                if (expr == null) {
                    problems.add(p.path("title").asText() + ": no alert " + m.group(1));
                    continue;
                }
                Set<Double> literals = new HashSet<>();
                Matcher n = Pattern.compile("(?<![\\w.\\[])(\\d+(?:\\.\\d+)?)(?![\\w.])").matcher(expr);
                while (n.find()) {
                    literals.add(Double.parseDouble(n.group(1)));
                }
                for (JsonNode step : p.at("/fieldConfig/defaults/thresholds/steps")) {
                    if (!step.path("value").isNull() && !literals.contains(step.path("value").asDouble())) {
                        problems.add(f.getFileName() + " / " + p.path("title").asText() + ": threshold "
                            + step.path("value") + " is not in " + m.group(1) + "'s expression " + literals);
                    }
                }
                checked++;
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(checked >= 10, "panels that draw an alert's thresholds: " + checked);
    }

    private static List<JsonNode> iterable(JsonNode n) {
        List<JsonNode> l = new ArrayList<>();
        n.forEach(l::add);
        return l;
    }

    private static Set<String> allUids() throws Exception {
        Set<String> uids = new HashSet<>();
        for (Path f : Dashboards.files()) {
            uids.add(Dashboards.read(f).path("uid").asText());
        }
        return uids;
    }
}
