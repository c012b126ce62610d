package dev.vigil.probe;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import java.util.List;
import java.util.function.Function;

/**
 * A probe kind for scheduler tests: section {@code fake:} with {@code targets: [{target: NAME}]}; the probe of each
 * target is made by the function given, so a test decides what a run does (block, hang, count, fail).
 */
final class FakeKind implements TestProbeKind {
    static final MetricFamily VALUE = MetricFamily.gauge("vigil_fake_value", "Test value.", "target");
    private final Function<String, Probe> probes;

    FakeKind(Function<String, Probe> probes) {
        this.probes = probes;
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults);
        TargetList out = new TargetList();
        for (Section t : section.sections("targets")) {
            String name = t.requiredString("target");
            String setting = t.string("setting", "");
            Timing timing = Timing.read(t, sectionTiming);
            t.finish();
            out.add(t, new Target(name(), name, timing, setting));
        }
        section.finish();
        return out.toList();
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return probes.apply(target.name());
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(VALUE);
    }
}
