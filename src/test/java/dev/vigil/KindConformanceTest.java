package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.cli.CommandLine;
import dev.vigil.cli.ProbeCommand;
import dev.vigil.config.HostPaths;
import dev.vigil.it.Tools;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.Golden;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every registered kind owes, checked against its own declarations (so a new kind is checked without an edit
 * here): a golden exposition that promtool accepts and that matches the declared families, documentation of every
 * family and reason, a bad-configuration fixture, and a working {@code probe} command.
 */
class KindConformanceTest {
    static Stream<String> kinds() {
        return ProbeKinds.builtIn().names().stream();
    }

    private static ProbeKind kind(String name) {
        return ProbeKinds.builtIn().get(name).orElseThrow();
    }

    private static Set<String> declared(ProbeKind kind) {
        return kind.metrics().stream().map(MetricFamily::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void goldenExpositionShowsTheDeclaredFamiliesAndPassesPromtool(String name) throws Exception {
        ProbeKind kind = kind(name);
        Path file = Golden.file(name);
        assertTrue(Files.exists(file), "kind " + name + " has no golden exposition " + file
            + " (render it with dev.vigil.probe.Golden from the kind's unit test)");
        String golden = Files.readString(file);
        Set<String> common = VigilCollector.FAMILIES.stream().map(MetricFamily::name).collect(Collectors.toSet());
        Set<String> shown = new TreeSet<>(Golden.families(golden));
        List<String> undeclared = shown.stream().filter(f -> !declared(kind).contains(f) && !common.contains(f)).toList();
        assertEquals(List.of(), undeclared, file + " shows families kind " + name + " does not declare");
        List<String> notShown = Golden.notShown(golden);
        List<String> missing = declared(kind).stream().filter(f -> !shown.contains(f) && !notShown.contains(f)).toList();
        assertEquals(List.of(), missing, file + " neither shows these declared families nor lists them in its header"
            + " as \"# not shown: NAME (why)\"");
        List<String> stale = notShown.stream().filter(f -> shown.contains(f) || !declared(kind).contains(f)).toList();
        assertEquals(List.of(), stale, file + " lists as not shown families it shows or the kind does not declare");
        List<String> reasons = golden.lines().filter(l -> l.startsWith("vigil_probe_reason_info{"))
            .map(l -> l.replaceAll(".*reason=\"([^\"]*)\".*", "$1")).distinct()
            .filter(r -> !kind.reasons().contains(r) && !ProbeResult.COMMON_REASONS.contains(r)).toList();
        assertEquals(List.of(), reasons, file + " shows reasons kind " + name + " does not declare");

        String promtool = Tools.require("promtool", "prometheus");
        Tools.Exec check = Tools.exec(Duration.ofSeconds(30), "sh", "-c", "exec \"$0\" check metrics < \"$1\"",
            promtool, file.toString());
        assertEquals(0, check.code(), check.output());
        assertEquals("", check.output().trim(), "promtool's findings on " + file);
    }

    /**
     * README.md, the *.md files of the kind's package and alerts/, and the probe reference where the common reasons
     * are documented once: the reference may move without breaking this.
     */
    private static String docs(ProbeKind kind) throws Exception {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("src/main/java/dev/vigil/probe/README.md")));
        Path pkg = Path.of("src/main/java", kind.getClass().getPackageName().replace('.', '/'));
        for (Path dir : List.of(pkg, Path.of("alerts"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> md = Files.walk(dir)) {
                    md.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
                }
            }
        }
        StringBuilder text = new StringBuilder();
        for (Path p : files) {
            text.append(Files.readString(p)).append('\n');
        }
        return text.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void everyFamilyAndReasonIsDocumented(String name) throws Exception {
        ProbeKind kind = kind(name);
        String docs = docs(kind);
        assertFalse(kind.reasons().isEmpty(), "kind " + name + " declares no failure reason");
        List<String> repeated = kind.reasons().stream().filter(ProbeResult.COMMON_REASONS::contains).toList();
        assertEquals(List.of(), repeated, "kind " + name + " repeats common reasons (they are the core's)");
        List<String> missing = new ArrayList<>();
        declared(kind).stream().filter(f -> !docs.contains("`" + f + "`")).forEach(missing::add);
        kind.reasons().stream().filter(r -> !docs.contains("`" + r + "`")).map(r -> "reason " + r).forEach(missing::add);
        assertEquals(List.of(), missing, "kind " + name + ": not documented in README.md, "
            + "src/main/java/.../" + kind.getClass().getPackageName().replace('.', '/') + "/*.md, alerts/*.md or the probe reference");
    }

    /**
     * The kind's declaration of whether the embedded default probes it holds against the embedded default itself, read
     * on a node that has every component (each when_present path and ca_file, and a keepalived.conf with a VIP).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void declaresWhetherTheEmbeddedDefaultProbesIt(String name, @org.junit.jupiter.api.io.TempDir Path root)
        throws Exception {
        ProbeKinds kinds = ProbeKinds.builtIn();
        Set<String> paths = new TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:when_present|ca_file): \\[?([^\\]\\n]+)")
            .matcher(dev.vigil.probe.ConfigLoader.embeddedText());
        while (m.find()) {
            for (String p : m.group(1).split(",")) {
                paths.add(p.strip());
            }
        }
        for (String p : paths) {
            Path f = root.resolve(p.substring(1));
            Files.createDirectories(f.getParent());
            Files.writeString(f, p.endsWith("keepalived.conf")
                ? "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n"
                : "x\n");
        }
        Set<String> probed = new dev.vigil.probe.ConfigLoader(kinds, HostPaths.of(root.toString()))
            .parse(dev.vigil.probe.ConfigLoader.EMBEDDED_NAME, dev.vigil.probe.ConfigLoader.embeddedText())
            .targets().stream().map(dev.vigil.probe.Target::kind).collect(Collectors.toSet());
        assertEquals(probed.contains(name), kinds.get(name).orElseThrow().inDefaultConfiguration(),
            "kind " + name + ": inDefaultConfiguration() against the embedded default (kinds it probes: " + probed + ")");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void hasABadConfigurationFixture(String name) throws Exception {
        ProbeKind kind = kind(name);
        Path dir = Path.of("src/test/resources/config/bad");
        List<String> fixtures;
        try (Stream<Path> files = Files.list(dir)) {
            fixtures = files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".yml")).filter(f -> {
                try {
                    String text = Files.readString(dir.resolve(f));
                    return f.equals(name + ".yml") || f.startsWith(name + "-")
                        || !kind.section().isEmpty() && text.lines().anyMatch(l -> l.startsWith(kind.section() + ":"));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
        assertFalse(fixtures.isEmpty(), "kind " + name + " has no bad-configuration fixture in " + dir + " (a "
            + name + ".yml with its section" + " and the " + name + ".errors it must produce)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void probeCommandPrintsAResult(String name) throws Exception {
        List<String> example = kind(name).commandLineExample();
        assertFalse(example.isEmpty(), "kind " + name + " declares no commandLineExample()");
        List<String> args = new ArrayList<>(List.of("probe", name));
        args.addAll(example);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            code = new ProbeCommand(ProbeKinds.builtIn(), HostPaths.HOST).run(
                CommandLine.parse(args.toArray(String[]::new)), new PrintStream(out, true, StandardCharsets.UTF_8));
        } catch (CommandLine.UsageException e) {
            fail("vigil " + String.join(" ", args) + ": usage error: " + e.getMessage());
            return;
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(code == 0 || code == 1, "exit code " + code);
        assertTrue(printed.startsWith(name + " ") && (printed.contains(": OK") || printed.contains(": FAILED")),
            "vigil " + String.join(" ", args) + " printed no result:\n" + printed);
    }
}
