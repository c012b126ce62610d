package dev.vigil.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The Grafana dashboards in {@code dashboards/} and their panel queries. */
public final class Dashboards {
    public static final Path DIR = Path.of("dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\bvigil[_:][a-z0-9_:]*[a-z0-9]\\b");
    /** A vector selector: a vigil metric and its label matchers. */
    private static final Pattern SELECTOR = Pattern.compile("\\b(vigil[_:][a-z0-9_:]*[a-z0-9])\\b(\\{[^}]*\\})?");

    public record Query(Path file, String panel, String expr) {
        public String where() {
            return file.getFileName() + " / " + panel;
        }

        public Set<String> metrics() {
            Set<String> names = new TreeSet<>();
            Matcher m = METRIC.matcher(expr);
            while (m.find()) {
                names.add(m.group());
            }
            return names;
        }

        /** The vector selectors of the query with the dashboard's variables set to "everything". */
        public Set<String> selectors() {
            Set<String> selectors = new TreeSet<>();
            Matcher m = SELECTOR.matcher(exprForPrometheus());
            while (m.find()) {
                selectors.add(m.group());
            }
            return selectors;
        }

        /** The query as Grafana would send it with "All" selected and a 1-minute rate interval. */
        public String exprForPrometheus() {
            return expr.replace("$__rate_interval", "1m").replace("$__interval", "15s").replace("$__range", "1h")
                .replaceAll("\\$\\{?(job|instance|cluster)}?", ".*");
        }
    }

    private Dashboards() {
    }

    public static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    public static JsonNode read(Path file) throws IOException {
        return JSON.readTree(file.toFile());
    }

    /** Every panel, rows' nested panels included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    public static List<Query> queries() throws IOException {
        List<Query> queries = new ArrayList<>();
        for (Path f : files()) {
            for (JsonNode p : panels(read(f))) {
                for (JsonNode t : p.path("targets")) {
                    queries.add(new Query(f, p.path("title").asText(), t.path("expr").asText()));
                }
            }
        }
        return queries;
    }
}
