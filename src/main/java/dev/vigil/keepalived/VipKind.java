package dev.vigil.keepalived;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.CommandLineYaml;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.Timing;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code vip}: does this node hold a virtual IP now, and does the VIP answer? Its targets are declared in the
 * {@code keepalived:} section (by {@link KeepalivedKind}), from the list there and from keepalived.conf.
 */
public final class VipKind implements ProbeKind {
    public static final String NAME = "vip";

    static final MetricFamily HELD = MetricFamily.gauge("vigil_vip_held",
        "1 if the virtual IP is assigned to an interface of this node now. sum by (vip) over the fleet: 0 nobody holds"
            + " it, 1 as it should be, more is split brain.", "vip", "interface", "vrrp_instance");
    static final MetricFamily REACHABLE = MetricFamily.gauge("vigil_vip_reachable",
        "1 if a TCP connection (and a TLS handshake when asked) to the VIP's check_port succeeded from this node.",
        "vip", "port");
    static final MetricFamily ANSWERS = MetricFamily.gauge("vigil_vip_answers",
        "From a node that does not hold the VIP: 1 if a host answered at the VIP's address (a TCP connection to its"
            + " answer_port was accepted or refused), 0 if the address is unreachable (no host owns it); absent when"
            + " the answer was not conclusive (a silent drop) or this node holds the VIP.", "vip");
    static final MetricFamily TRANSITIONS = MetricFamily.counter("vigil_vip_transitions_total",
        "Times this node gained or lost the VIP, as observed by the agent.", "vip");
    static final MetricFamily LAST_TRANSITION = MetricFamily.gauge("vigil_vip_last_transition_timestamp_seconds",
        "When this node last gained or lost the VIP, as observed by the agent.", "vip");

    /** Port knocked at on the VIP by nodes that do not hold it: vigil's own, open wherever vigil runs. */
    static final int DEFAULT_ANSWER_PORT = 9847;

    /**
     * One VIP to watch.
     *
     * @param answerPort port a node that does not hold the VIP connects to, to learn whether some host owns the address
     *                   (accepted or refused both say yes); 0 turns the check off
     */
    record Spec(String address, String iface, String instance, int checkPort, boolean checkTls, int answerPort) {
        Spec(String address, String iface, String instance, int checkPort, boolean checkTls) {
            this(address, iface, instance, checkPort, checkTls, 0);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String section() {
        return "";
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        return List.of();
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new VipProbe(target.spec(Spec.class));
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(HELD, REACHABLE, ANSWERS, TRANSITIONS, LAST_TRANSITION);
    }

    @Override
    public List<String> reasons() {
        return List.of(dev.vigil.net.Reasons.CONNECT_REFUSED, dev.vigil.net.Reasons.CONNECT_TIMEOUT,
            dev.vigil.net.Reasons.CONNECT_UNREACHABLE, dev.vigil.net.Reasons.CONNECT_FAILED,
            dev.vigil.net.Reasons.HANDSHAKE_FAILED, dev.vigil.net.Reasons.HANDSHAKE_TIMEOUT);
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("127.0.0.1", "--check-port", "1", "--timeout", "2s");
    }

    /** {@code vigil probe vip 10.0.0.100 [--check-port 6443] [--interface eth0]}. */
    @Override
    public String commandLineConfig(String target, Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("keepalived:\n  config_file: \"\"\n  vips:\n    - address: ")
            .append(CommandLineYaml.quote(target)).append('\n');
        options.forEach((k, v) -> yaml.append("      ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
