package dev.vigil.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.HostPaths;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The golden exposition of a kind, {@code src/test/resources/golden/<kind>.prom}: what {@code /metrics} shows of the
 * kind's targets (its own families and the common per-target ones), rendered by the real {@link VigilCollector} and
 * {@link Exposition}, with what changes from run to run masked, so that it stays a valid exposition: values of times
 * and durations become {@code NaN}, and each test names the literals it replaces (ports, temporary directories).
 * Samples are sorted within each family. {@code -Dvigil.golden.update=true} rewrites the file and keeps its header
 * (the leading comment lines, which name the families the fixture cannot show: {@code # not shown: NAME (why)}).
 */
public final class Golden {
    public static final String UPDATE_PROPERTY = "vigil.golden.update";
    static final Path DIR = Path.of("src", "test", "resources", "golden");
    static final String NOT_SHOWN = "# not shown: ";

    private final ProbeKind kind;
    private final Map<String, String> literals = new LinkedHashMap<>();
    private final Map<String, String> patterns = new LinkedHashMap<>();
    private final Set<String> volatileFamilies = new LinkedHashSet<>();

    private Golden(ProbeKind kind) {
        this.kind = kind;
    }

    public static Golden of(ProbeKind kind) {
        return new Golden(kind);
    }

    public static Path file(String kind) {
        return DIR.resolve(kind + ".prom");
    }

    /** Replaces a literal in every line (a temporary directory, a random port). */
    public Golden replace(String literal, String with) {
        literals.put(literal, with);
        return this;
    }

    /** Replaces a regular expression in every line (serials, fingerprints). */
    public Golden replaceAll(String regex, String with) {
        patterns.put(regex, with);
        return this;
    }

    /** Masks the values of these families besides times and durations (e.g. an age measured against the clock). */
    public Golden volatileValues(String... families) {
        volatileFamilies.addAll(List.of(families));
        return this;
    }

    /**
     * Renders results as the agent would: each target named by the map gets a probe that returns its result, run once
     * through the real scheduler. For results a unit test got from the kind's probe.
     */
    public String render(Map<String, ProbeResult> resultsByTarget) throws Exception {
        StubKind stub = new StubKind(kind, resultsByTarget);
        List<Target> targets = resultsByTarget.keySet().stream().map(name -> new Target(kind.name(), name,
            new Timing(Duration.ofHours(1), Duration.ofSeconds(10), Duration.ZERO), name)).toList();
        try (Scheduler scheduler = new Scheduler(new ProbeKinds(List.of(stub)), HostPaths.HOST)) {
            scheduler.apply(new VigilConfig("golden", Timing.BUILT_IN, 4, targets));
            assertTrue(scheduler.await(scheduler::firstRoundDone, Duration.ofSeconds(30)), "no first round");
            return render(scheduler);
        }
    }

    /** Renders what a scheduler holds now, keeping only this kind's families and its targets' common series. */
    public String render(Scheduler scheduler) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new VigilCollector(scheduler, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "golden"),
            new BuildInfo("v", "r", "17")));
        String all = new String(new Exposition(registry).render("text/plain", null).bytes(), StandardCharsets.UTF_8);
        return normalise(all);
    }

    String normalise(String exposition) {
        Set<String> own = new LinkedHashSet<>();
        kind.metrics().forEach(f -> own.add(f.name()));
        Set<String> common = new LinkedHashSet<>();
        VigilCollector.FAMILIES.stream().filter(f -> f.labelNames().contains("kind")).forEach(f -> common.add(f.name()));
        StringBuilder out = new StringBuilder();
        List<String> samples = new ArrayList<>();
        String family = "";
        for (String line : (exposition + "\n# HELP end\n").split("\n")) {
            if (line.startsWith("# HELP ")) {
                samples.stream().sorted().forEach(s -> out.append(s).append('\n'));
                samples.clear();
                family = line.split(" ")[2];
            }
            boolean kept = own.contains(family) || common.contains(family);
            if (!kept || line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                out.append(mask(line)).append('\n');
            } else if (own.contains(family) || line.contains("kind=\"" + kind.name() + "\"")) {
                String l = mask(line);
                if (family.endsWith("_timestamp_seconds") || family.endsWith("_duration_seconds")
                    || volatileFamilies.contains(family)) {
                    l = l.replaceAll(" [^ ]+$", " NaN");
                }
                samples.add(l);
            }
        }
        // a common family with no sample of this kind left: drop its HELP and TYPE
        return out.toString().replaceAll("(?m)^# HELP (\\S+) .*\n# TYPE \\1 \\S+\n(?=# HELP|\\z)", "");
    }

    private String mask(String line) {
        for (Map.Entry<String, String> e : literals.entrySet()) {
            line = line.replace(e.getKey(), e.getValue());
        }
        for (Map.Entry<String, String> e : patterns.entrySet()) {
            line = line.replaceAll(e.getKey(), e.getValue());
        }
        return line;
    }

    /** Compares with the kind's golden file, or rewrites it (keeping its header) with {@code -Dvigil.golden.update=true}. */
    public void check(String rendered) throws IOException {
        Path file = file(kind.name());
        String existing = Files.exists(file) ? Files.readString(file) : "";
        String header = header(existing);
        if (header.isEmpty()) {
            header = "# The golden exposition of kind " + kind.name() + " (see README.md here).\n";
        }
        if (Boolean.getBoolean(UPDATE_PROPERTY)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, header + rendered);
            existing = header + rendered;
        }
        assertEquals(existing.substring(header(existing).length()), rendered, "the exposition of kind " + kind.name()
            + " differs from " + file + " (-D" + UPDATE_PROPERTY + "=true rewrites it: review the diff)");
    }

    /** The leading comment lines of a golden file, before its first family. */
    public static String header(String golden) {
        int end = golden.indexOf("# HELP ");
        return end < 0 ? golden : golden.substring(0, end);
    }

    /** The families a golden file's header says its fixture cannot show. */
    public static List<String> notShown(String golden) {
        return header(golden).lines().filter(l -> l.startsWith(NOT_SHOWN))
            .map(l -> l.substring(NOT_SHOWN.length()).split("[ ,(]")[0]).toList();
    }

    /** The families a golden file shows (its {@code # TYPE} lines). */
    public static List<String> families(String golden) {
        return golden.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
    }

    /** Stands in for a kind: same name and families, its targets' probes return the results given. */
    private record StubKind(ProbeKind real, Map<String, ProbeResult> results) implements ProbeKind {
        @Override
        public String name() {
            return real.name();
        }

        @Override
        public String section() {
            return "";
        }

        @Override
        public List<Target> parse(dev.vigil.config.Section section, Timing defaults) {
            return List.of();
        }

        @Override
        public Probe create(Target target, HostPaths hostPaths) {
            ProbeResult r = results.get(target.name());
            return deadline -> r;
        }

        @Override
        public List<MetricFamily> metrics() {
            return real.metrics();
        }

        @Override
        public List<String> reasons() {
            return real.reasons();
        }

        @Override
        public Class<?> specType() {
            return String.class;
        }

        @Override
        public List<String> commandLineExample() {
            return real.commandLineExample();
        }


        @Override

        public boolean inDefaultConfiguration() {

            return false;

        }
    }
}
