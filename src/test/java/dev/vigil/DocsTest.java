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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a user reads must name what the agent does: README.md is the newcomer's page, each kind's reference (the
 * README.md of its package) documents its every metric with the same sections as every other kind, and the shared
 * page documents the metrics of the agent and of every target.
 */
class DocsTest {
    @Test
    void everyMetricIsDocumentedInItsKindsReference() {
        List<String> missing = new ArrayList<>();
        String shared = Docs.read(Docs.SHARED);
        VigilCollector.FAMILIES.stream().map(MetricFamily::name).filter(n -> !shared.contains("`" + n + "`"))
            .forEach(n -> missing.add(n + " (" + Docs.SHARED + ")"));
        for (ProbeKind k : ProbeKinds.builtIn().all()) {
            String ref = Docs.read(Docs.reference(k));
            k.metrics().stream().map(MetricFamily::name).filter(n -> !ref.contains("`" + n + "`"))
                .forEach(n -> missing.add(n + " (" + Docs.reference(k) + ")"));
        }
        assertEquals(List.of(), missing, "metrics missing from their reference");
    }

    @Test
    void everyProbeKindHasAReferenceThatNamesItInItsTitle() {
        for (ProbeKind k : ProbeKinds.builtIn().all()) {
            Path ref = Docs.reference(k);
            assertTrue(Files.isRegularFile(ref), "kind " + k.name() + " has no reference " + ref);
            String title = Docs.read(ref).lines().findFirst().orElse("");
            assertTrue(title.startsWith("# ") && title.contains("`" + k.name() + "`"),
                ref + " does not name `" + k.name() + "` in its title: " + title);
        }
    }

    /** One template for every kind: the same ## sections, in the same order. */
    @Test
    void everyReferenceFollowsTheTemplate() {
        for (Path ref : Docs.references()) {
            assertEquals(Docs.TEMPLATE, Docs.sections(ref), ref + " does not follow the template of the kinds' references");
        }
    }

    @Test
    void theReadmeTableLinksEveryReference() {
        String readme = Docs.read(Docs.README);
        for (Path ref : Docs.references()) {
            assertTrue(readme.contains("](" + ref.toString().replace('\\', '/') + ")"), "README.md does not link " + ref);
        }
    }

    @Test
    void theReadmeStaysANewcomersPage() throws Exception {
        assertTrue(Files.size(Docs.README) <= 21_000, "README.md is " + Files.size(Docs.README)
            + " bytes: move reference material next to what it describes");
    }

    /** Relative links between the documents lead to files that exist. */
    @Test
    void relativeLinksLeadToFiles() throws Exception {
        List<Path> docs = new ArrayList<>(List.of(Docs.README, Path.of("alerts/README.md"), Path.of("dashboards/README.md"),
            Path.of("packaging/README.md"), Docs.SHARED, Path.of("src/test/java/dev/vigil/bench/README.md")));
        docs.addAll(Docs.references());
        Matcher m;
        List<String> broken = new ArrayList<>();
        for (Path doc : docs) {
            m = Pattern.compile("\\]\\(([^)#:]+)(#[^)]*)?\\)").matcher(Docs.read(doc));
            while (m.find()) {
                Path target = doc.toAbsolutePath().getParent().resolve(m.group(1)).normalize();
                if (!Files.exists(target)) {
                    broken.add(doc + " -> " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    @Test
    void ciRunsTheReadmeTestCommand() throws Exception {
        String ci = Files.readString(Path.of(".ci/run"));
        String readme = Files.readString(Docs.README);
        String command = ci.lines().filter(l -> l.startsWith("mvn ")).findFirst().orElseThrow();
        assertTrue(readme.contains("\n" + command + "\n"), "README.md does not show CI's test command: " + command);
    }
}
