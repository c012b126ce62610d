package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Docs;
import dev.vigil.probe.ProbeKinds;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A kind brings its own rule file, dashboard and reference, and no shared list names it: the kinds, rule files,
 * dashboards and references found on disk must match each other.
 */
class KindLayoutTest {
    /** Rule files of the agent itself, not of a kind: no dashboard of their own (the overview shows the agent). */
    static final Set<String> AGENT_AREAS = Set.of("agent");

    /** The kind areas: one per rule file that is not the agent's. */
    static Set<String> kindAreas() throws Exception {
        Set<String> areas = new TreeSet<>(RulesGenerator.kindsByArea().keySet());
        areas.removeAll(AGENT_AREAS);
        return areas;
    }

    @Test
    void everyKindARuleFileCoversIsRegistered() throws Exception {
        Set<String> registered = Docs.kindNames();
        for (Map.Entry<String, List<String>> e : RulesGenerator.kindsByArea().entrySet()) {
            for (String k : e.getValue()) {
                assertTrue(registered.contains(k), "alerts/src/" + e.getKey() + ".rules.yml names kind " + k
                    + ", not one of " + registered);
            }
        }
    }

    /** A kind's rule file is named after its package ({@code etcd}, {@code keepalived} for vip and keepalived...). */
    @Test
    void everyRuleFileBelongsToAKindPackageWithAReference() throws Exception {
        Set<String> packages = ProbeKinds.builtIn().all().stream()
            .map(k -> Docs.reference(k).getParent().getFileName().toString()).collect(Collectors.toSet());
        for (String area : kindAreas()) {
            assertTrue(packages.contains(area), "alerts/src/" + area + ".rules.yml: no kind lives in a package " + area
                + " (kind packages: " + new TreeSet<>(packages) + ")");
        }
        for (var k : ProbeKinds.builtIn().all()) {
            String area = Docs.reference(k).getParent().getFileName().toString();
            if (RulesGenerator.kindsByArea().getOrDefault(area, List.of()).contains(k.name())) {
                assertTrue(Files.isRegularFile(Docs.reference(k)), k.name() + " has rules but no reference");
            }
        }
    }

    @Test
    void everyKindRuleFileHasADashboardAndEveryDashboardARuleFile() throws Exception {
        Set<String> dashboards = Dashboards.files().stream()
            .map(p -> p.getFileName().toString().replaceFirst("^vigil-(.*)\\.json$", "$1"))
            .filter(n -> !n.equals("overview")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(kindAreas(), dashboards, "alerts/src/<area>.rules.yml against dashboards/vigil-<area>.json");
    }
}
