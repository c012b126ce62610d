package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Target;
import java.util.List;
import java.util.Optional;

/** Runs probes the way the agent does: YAML through the real config loader, then the kind's probe with a deadline. */
final class Probes {
    private Probes() {
    }

    static List<Target> parse(String yaml) {
        return parse(yaml, HostPaths.HOST);
    }

    static List<Target> parse(String yaml, HostPaths paths) {
        try {
            return new ConfigLoader(ProbeKinds.builtIn(), paths).parse("test.yml", yaml).targets();
        } catch (ConfigException e) {
            throw new AssertionError("config rejected: " + e.errors(), e);
        }
    }

    static dev.vigil.probe.Probe probe(Target t, HostPaths paths) {
        ProbeKind kind = ProbeKinds.builtIn().get(t.kind()).orElseThrow();
        return kind.create(t, paths);
    }

    /** Runs a probe once; a thrown ProbeFailure becomes a failed result, as in the scheduler. */
    static ProbeResult run(dev.vigil.probe.Probe p, Target t) {
        try {
            return p.run(Deadline.after(t.timing().timeout()));
        } catch (ProbeFailure f) {
            return ProbeResult.failed(f.reason(), f.getMessage());
        } catch (Exception e) {
            fail("probe threw " + e, e);
            return null;
        }
    }

    static ProbeResult runOnce(String yaml) {
        Target t = parse(yaml).get(0);
        return run(probe(t, HostPaths.HOST), t);
    }

    static Optional<Sample> sample(ProbeResult r, String name, String... labelPairs) {
        return r.samples().stream().filter(s -> s.family().name().equals(name)).filter(s -> {
            for (int i = 0; i < labelPairs.length; i += 2) {
                int idx = s.family().labelNames().indexOf(labelPairs[i]);
                if (idx < 0 || !s.labelValues().get(idx).equals(labelPairs[i + 1])) {
                    return false;
                }
            }
            return true;
        }).findFirst();
    }

    static double value(ProbeResult r, String name, String... labelPairs) {
        return sample(r, name, labelPairs).orElseThrow(() -> new AssertionError("no sample " + name + " "
            + List.of(labelPairs) + " in " + r.samples().stream().map(s -> s.family().name() + s.labelValues()).toList()))
            .value();
    }

    static String label(ProbeResult r, String name, String label) {
        Sample s = sample(r, name).orElseThrow(() -> new AssertionError("no sample " + name));
        return s.labelValues().get(s.family().labelNames().indexOf(label));
    }
}
