package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Target;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/** Builds etcd probes from configuration text, as the agent does, and reads their samples. */
final class ProbeRuns {
    private ProbeRuns() {
    }

    static Target target(String yaml) {
        try {
            List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("test.yml", yaml)
                .targets();
            return targets.get(0);
        } catch (ConfigException e) {
            throw new AssertionError("config refused: " + e.errors());
        }
    }

    static Probe probe(String yaml) {
        return new EtcdKind().create(target(yaml), HostPaths.HOST);
    }

    /** A run of the probe with its timeout, measured. */
    record Run(ProbeResult result, Duration took) {
        OptionalDouble value(MetricFamily family, String... labels) {
            return ProbeRuns.value(result, family, labels);
        }

        double get(MetricFamily family, String... labels) {
            OptionalDouble v = value(family, labels);
            if (v.isEmpty()) {
                fail("no sample " + family.name() + List.of(labels) + " in " + this);
            }
            return v.getAsDouble();
        }

        @Override
        public String toString() {
            return result.success() + " " + result.reason() + " " + result.message() + " in " + took.toMillis()
                + " ms\n  " + result.details() + "\n  " + result.samples().stream()
                .map(s -> s.family().name() + s.labelValues() + "=" + s.value()).toList();
        }
    }

    static Run run(Probe probe, Duration timeout) throws Exception {
        long start = System.nanoTime();
        ProbeResult r;
        try {
            r = probe.run(Deadline.after(timeout));
        } catch (ProbeFailure f) {
            r = ProbeResult.failed(f.reason(), f.getMessage());
        }
        return new Run(r, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Runs the probe until {@code condition} holds, or fails with the last run after {@code within}. */
    static Run until(Probe probe, Duration timeout, Duration within, Predicate<Run> condition) throws Exception {
        long end = System.nanoTime() + within.toNanos();
        Run last = null;
        while (System.nanoTime() < end) {
            last = run(probe, timeout);
            if (holds(condition, last)) {
                return last;
            }
            long pause = 100 - last.took().toMillis();
            if (pause > 0) {
                Thread.sleep(pause); // poll interval between runs, not a synchronisation: the condition decides
            }
        }
        throw new AssertionError("condition not reached within " + within + "; last run: " + last);
    }

    /** A condition that reads a sample the run does not have (yet) is false, not an error. */
    private static boolean holds(Predicate<Run> condition, Run run) {
        try {
            return condition.test(run);
        } catch (AssertionError e) {
            return false;
        }
    }

    static OptionalDouble value(ProbeResult result, MetricFamily family, String... labels) {
        for (Sample s : result.samples()) {
            if (s.family().equals(family) && s.labelValues().subList(0, labels.length).equals(List.of(labels))) {
                return OptionalDouble.of(s.value());
            }
        }
        return OptionalDouble.empty();
    }
}
