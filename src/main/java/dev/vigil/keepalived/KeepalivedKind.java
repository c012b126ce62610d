package dev.vigil.keepalived;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.CommandLineYaml;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Section {@code keepalived:}: one target of kind {@code keepalived} for the daemon (process, VRRP states) and one of
 * kind {@code vip} per virtual IP, listed here or read from keepalived.conf.
 */
public final class KeepalivedKind implements ProbeKind {
    public static final String NAME = "keepalived";
    static final String DEFAULT_CONF = "/etc/keepalived/keepalived.conf";
    /** The target of {@code vigil probe keepalived}: the daemon on this node. */
    static final String LOCAL = "local";

    static final MetricFamily UP = MetricFamily.gauge("vigil_keepalived_up",
        "1 if a keepalived process runs on this node (pid file and /proc, no root needed).", "target");
    static final MetricFamily STATE = MetricFamily.gauge("vigil_keepalived_vrrp_state",
        "VRRP state of an instance: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP; source (dbus, fifo, json) says where"
            + " it was read.",
        "vrrp_instance", "interface", "vrid", "source");
    static final MetricFamily PRIORITY = MetricFamily.gauge("vigil_keepalived_vrrp_priority",
        "Effective VRRP priority of an instance.", "vrrp_instance", "interface", "vrid", "source");
    static final MetricFamily TRANSITIONS = MetricFamily.counter("vigil_keepalived_transitions_total",
        "VRRP state changes of an instance (notify FIFO: seen by the agent; JSON dump: keepalived's own counts).",
        "vrrp_instance", "source");
    static final MetricFamily LAST_TRANSITION = MetricFamily.gauge("vigil_keepalived_last_transition_timestamp_seconds",
        "When an instance last changed VRRP state.", "vrrp_instance", "source");
    static final MetricFamily INSTANCES = MetricFamily.gauge("vigil_keepalived_configured_instances",
        "vrrp_instance blocks in keepalived.conf at the last (re)load of vigil's configuration.", "target");

    /** The daemon target's settings. */
    record Spec(Optional<Path> pidFile, Optional<Path> notifyFifo, boolean dbus, boolean jsonDump, Path jsonFile,
                Duration jsonMinInterval, List<KeepalivedConf.Instance> instances) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing timing = Timing.read(section, defaults.with(Duration.ofSeconds(5), Duration.ofSeconds(3), defaults.jitter()));
        HostPaths paths = section.reader().hostPaths();
        String confName = section.string("config_file", DEFAULT_CONF);
        String pid = section.string("pid_file", "/run/keepalived.pid");
        String fifo = section.string("notify_fifo", "");
        boolean dbus = section.bool("dbus", true);
        boolean json = section.bool("json_dump", false);
        String jsonFile = section.string("json_file", "/tmp/keepalived.json");
        Duration jsonInterval = section.duration("json_min_interval", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofDays(1));
        int answerPort = section.integer("answer_port", VipKind.DEFAULT_ANSWER_PORT, 0, 65535);
        List<KeepalivedConf.Instance> instances = List.of();
        if (!confName.isEmpty()) {
            Path conf = paths.resolve(confName);
            if (Files.isRegularFile(conf)) {
                try {
                    instances = KeepalivedConf.read(conf);
                } catch (IOException e) {
                    section.error("config_file", "cannot read \"" + confName + "\": " + e.getMessage());
                }
            } else if (section.has("config_file")) {
                section.error("config_file", "file \"" + confName + "\" does not exist");
            }
        }
        TargetList out = new TargetList();
        if (section.isPresent()) {
            out.add(section, new Target(NAME, NAME, timing, new Spec(
                pid.isEmpty() ? Optional.empty() : Optional.of(paths.resolve(pid)),
                fifo.isEmpty() ? Optional.empty() : Optional.of(paths.resolve(fifo)), dbus, json, paths.resolve(jsonFile),
                jsonInterval, instances)));
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Section v : section.sections("vips")) {
            String address = v.requiredString("address");
            String name = v.string("name", "");
            String iface = v.string("interface", "");
            int port = v.integer("check_port", 0, 0, 65535);
            boolean tls = v.bool("check_tls", false);
            int vipAnswerPort = v.integer("answer_port", answerPort, 0, 65535);
            Timing vipTiming = Timing.read(v, timing);
            v.finish();
            String ip = literal(v, address);
            if (ip == null) {
                continue;
            }
            seen.add(ip);
            out.add(v, new Target(VipKind.NAME, name.isEmpty() ? ip : name, vipTiming,
                new VipKind.Spec(ip, iface, instanceOf(instances, ip), port, tls, vipAnswerPort)));
        }
        for (KeepalivedConf.Instance i : instances) {
            for (String raw : i.vips()) {
                String ip = raw.contains("/") ? raw.substring(0, raw.indexOf('/')) : raw;
                if (seen.add(ip)) {
                    out.add(section, new Target(VipKind.NAME, ip, timing, new VipKind.Spec(ip, i.iface(), i.name(), 0, false, answerPort)));
                }
            }
        }
        section.finish();
        return out.toList();
    }

    private static String instanceOf(List<KeepalivedConf.Instance> instances, String ip) {
        for (KeepalivedConf.Instance i : instances) {
            for (String v : i.vips()) {
                if (v.equals(ip) || v.startsWith(ip + "/")) {
                    return i.name();
                }
            }
        }
        return "";
    }

    /** The address as an IP literal, or null after reporting why not (a VIP is never a name to resolve). */
    private static String literal(Section v, String address) {
        if (address.isEmpty()) {
            return null;
        }
        String a = address.contains("/") ? address.substring(0, address.indexOf('/')) : address;
        boolean looksLiteral = a.matches("[0-9.]+") || a.contains(":");
        if (looksLiteral) {
            try {
                return InetAddress.getByName(a).getHostAddress().equals(a) || a.contains(":") ? a : null;
            } catch (IOException e) {
                // fall through
            }
        }
        v.error("address", "\"" + address + "\" is not an IP address");
        return null;
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new KeepalivedProbe(target.spec(Spec.class), hostPaths);
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(UP, STATE, PRIORITY, TRANSITIONS, LAST_TRANSITION, INSTANCES);
    }

    @Override
    public List<String> reasons() {
        return List.of("not_running");
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("local", "--timeout", "2s");
    }

    /**
     * {@code vigil probe keepalived local [--pid-file F] [--config-file F] [--notify-fifo F] [--dbus false]
     * [--json-dump true]}: the daemon on this node, the only one this kind can see; the options are the section's keys.
     */
    @Override
    public String commandLineConfig(String target, Map<String, String> options) {
        if (!target.equals(LOCAL)) {
            throw new IllegalArgumentException("keepalived is probed on this node only: write \"probe keepalived "
                + LOCAL + "\" (options: --pid-file, --config-file, --notify-fifo, --dbus, --json-dump)");
        }
        StringBuilder yaml = new StringBuilder(NAME).append(options.isEmpty() ? ": {}\n" : ":\n");
        options.forEach((k, v) -> yaml.append("  ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }

    static List<String> stateNames() {
        return new ArrayList<>(List.of("INIT", "BACKUP", "MASTER", "FAULT", "STOP"));
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
