package dev.vigil.tcp;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.net.IpFamily;
import dev.vigil.probe.HostPort;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import java.util.List;

/**
 * Kind {@code tcp}: can this node open a TCP connection to {@code host:port}? The smallest complete kind, and the model
 * for the others: section parsing, metric declarations and a probe that honours its deadline in every phase.
 *
 * <pre>
 * tcp:
 *   timeout: 5s               # optional, for every target of the section
 *   targets:
 *     - target: 127.0.0.1:6443
 *       name: kube-apiserver  # optional label value instead of host:port
 * </pre>
 */
public final class TcpKind implements ProbeKind {
    public static final String NAME = "tcp";

    static final MetricFamily CONNECT_DURATION = MetricFamily.gauge("vigil_tcp_connect_duration_seconds",
        "Time the last TCP connect took, resolution included.", "target");
    static final MetricFamily ADDRESSES = MetricFamily.gauge("vigil_tcp_resolved_addresses",
        "Number of addresses the target's host name resolved to at the last run.", "target");

    /** spec of one target */
    record Spec(HostPort address, IpFamily ipFamily) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults);
        TargetList out = new TargetList();
        for (Section t : section.sections("targets")) {
            String address = t.requiredString("target");
            String name = t.string("name", address);
            IpFamily family = IpFamily.of(t.choice("ip_family", "any", IpFamily.NAMES));
            Timing timing = Timing.read(t, sectionTiming);
            t.finish();
            if (address.isEmpty()) {
                continue;
            }
            try {
                out.add(t, new Target(NAME, name, timing, new Spec(HostPort.parse(address), family)));
            } catch (IllegalArgumentException e) {
                t.error("target", e.getMessage());
            }
        }
        section.finish();
        return out.toList();
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new TcpProbe(target.name(), target.spec(Spec.class));
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(CONNECT_DURATION, ADDRESSES);
    }

    @Override
    public List<String> reasons() {
        return List.of("dns", "connect_refused", "connect_timeout", "connect_unreachable", "connect_failed");
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("127.0.0.1:1", "--timeout", "2s");
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
