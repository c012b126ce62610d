package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a user reads must name what the agent does: every metric and every probe kind is in README.md. */
class DocsTest {
    @Test
    void everyMetricIsDocumentedInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        List<MetricFamily> all = new ArrayList<>(VigilCollector.FAMILIES);
        ProbeKinds.builtIn().all().forEach(k -> all.addAll(k.metrics()));
        List<String> missing = all.stream().map(MetricFamily::name).filter(n -> !readme.contains("`" + n + "`")).toList();
        assertEquals(List.of(), missing, "metrics missing from README.md");
    }

    @Test
    void everyProbeKindHasAReadmeSection() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        for (ProbeKind k : ProbeKinds.builtIn().all()) {
            boolean heading = readme.lines().anyMatch(l -> l.startsWith("### ") && l.contains("`" + k.name() + "`"));
            assertTrue(heading, "README.md has no section for kind " + k.name() + " (a ### heading naming `" + k.name() + "`)");
        }
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws Exception {
        String ci = Files.readString(Path.of(".ci/run"));
        String readme = Files.readString(Path.of("README.md"));
        String command = ci.lines().filter(l -> l.startsWith("mvn ")).findFirst().orElseThrow();
        assertTrue(readme.contains("\n" + command + "\n"), "README.md does not show CI's test command: " + command);
    }
}
