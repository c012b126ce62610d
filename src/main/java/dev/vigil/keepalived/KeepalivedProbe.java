package dev.vigil.keepalived;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The keepalived daemon on this node: is it running (pid file, else a scan of /proc, no root needed), and what state
 * is each VRRP instance in, from the notify FIFO and, opt-in, the JSON dump (root, rate-limited).
 */
final class KeepalivedProbe implements Probe {
    private final KeepalivedKind.Spec spec;
    private final HostPaths hostPaths;
    private final NotifyFifo fifo;
    private List<JsonDump.Instance> lastJson = List.of();
    private long lastJsonMillis;
    private String jsonError = "";

    KeepalivedProbe(KeepalivedKind.Spec spec, HostPaths hostPaths) {
        this.spec = spec;
        this.hostPaths = hostPaths;
        this.fifo = spec.notifyFifo().map(NotifyFifo::new).orElse(null);
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        Optional<Long> pid = runningPid(details);
        samples.add(KeepalivedKind.UP.sample(pid.isPresent() ? 1 : 0, KeepalivedKind.NAME));
        samples.add(KeepalivedKind.INSTANCES.sample(spec.instances().size(), KeepalivedKind.NAME));
        Map<String, KeepalivedConf.Instance> conf = new LinkedHashMap<>();
        spec.instances().forEach(i -> conf.put(i.name(), i));
        if (spec.dbus() && pid.isPresent()) {
            for (KeepalivedConf.Instance c : spec.instances()) {
                boolean ipv6 = !c.vips().isEmpty() && c.vips().stream().allMatch(v -> v.contains(":"));
                Optional<DbusState.State> st = DbusState.read(c.iface(), c.vrid(), ipv6,
                    Duration.ofMillis(deadline.budgetMillis(Duration.ofSeconds(2))));
                if (st.isPresent()) {
                    samples.add(KeepalivedKind.STATE.sample(st.get().number(), c.name(), c.iface(),
                        Integer.toString(c.vrid()), "dbus"));
                    details.put("instance " + c.name(), st.get().name() + " (DBus)");
                } else {
                    details.putIfAbsent("DBus", "no State for " + DbusState.objectPath(c.iface(), c.vrid(), ipv6)
                        + " (keepalived without enable_dbus, or no system bus or busctl)");
                }
            }
        }
        if (fifo != null) {
            for (Map.Entry<String, NotifyFifo.InstanceState> e : fifo.states().entrySet()) {
                KeepalivedConf.Instance c = conf.get(e.getKey());
                String iface = c == null ? "" : c.iface();
                String vrid = c == null ? "" : Integer.toString(c.vrid());
                NotifyFifo.InstanceState s = e.getValue();
                samples.add(KeepalivedKind.STATE.sample(stateNumber(s.state()), e.getKey(), iface, vrid, "fifo"));
                if (s.priority() >= 0) {
                    samples.add(KeepalivedKind.PRIORITY.sample(s.priority(), e.getKey(), iface, vrid, "fifo"));
                }
                samples.add(KeepalivedKind.TRANSITIONS.sample(s.transitions(), e.getKey(), "fifo"));
                samples.add(KeepalivedKind.LAST_TRANSITION.sample(s.lastTransitionMillis() / 1000.0, e.getKey(), "fifo"));
                details.putIfAbsent("instance " + e.getKey(), s.state() + " (notify FIFO)");
            }
            if (!fifo.error().isEmpty()) {
                details.put("notify FIFO", fifo.error());
            }
        }
        if (spec.jsonDump() && pid.isPresent()) {
            refreshJson(pid.get(), deadline);
            for (JsonDump.Instance i : lastJson) {
                String vrid = Integer.toString(i.vrid());
                samples.add(KeepalivedKind.STATE.sample(i.state(), i.name(), i.iface(), vrid, "json"));
                samples.add(KeepalivedKind.PRIORITY.sample(i.priority(), i.name(), i.iface(), vrid, "json"));
                samples.add(KeepalivedKind.TRANSITIONS.sample(i.becameMaster() + i.releasedMaster(), i.name(), "json"));
                if (!Double.isNaN(i.lastTransition())) {
                    samples.add(KeepalivedKind.LAST_TRANSITION.sample(i.lastTransition(), i.name(), "json"));
                }
                details.putIfAbsent("instance " + i.name(), stateName(i.state()) + " (JSON dump)");
            }
            if (!jsonError.isEmpty()) {
                details.put("JSON dump", jsonError);
            }
        }
        if (pid.isEmpty()) {
            return ProbeResult.failed("not_running", "no keepalived process on this node", samples, details);
        }
        return ProbeResult.ok(samples, details);
    }

    /** keepalived's pid: from its pid file when that names a live keepalived, else from a scan of /proc. */
    private Optional<Long> runningPid(Map<String, String> details) {
        if (spec.pidFile().isPresent()) {
            try {
                long pid = Long.parseLong(Files.readString(spec.pidFile().get()).trim());
                if (isKeepalived(pid)) {
                    details.put("process", pid + " (pid file)");
                    return Optional.of(pid);
                }
            } catch (IOException | NumberFormatException e) {
                // no or stale pid file: look in /proc
            }
        }
        Path proc = hostPaths.resolve("/proc");
        String ownNetns = netns(proc.resolve("self"));
        long parent = -1;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (isKeepalived(pid) && sameNetns(ownNetns, netns(p)) && (parent < 0 || pid < parent)) {
                    parent = pid; // the parent process starts first: the lowest pid of the family
                }
            }
        } catch (IOException e) {
            details.put("process", "cannot read /proc: " + e.getMessage());
        }
        if (parent >= 0) {
            details.put("process", parent + " (/proc)");
            return Optional.of(parent);
        }
        return Optional.empty();
    }

    /** The network namespace of a process, or "" when it cannot be read (another user's process, without root). */
    private static String netns(Path procDir) {
        try {
            return Files.readSymbolicLink(procDir.resolve("ns/net")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /**
     * A keepalived in another network namespace (a container, or a test's other "nodes") is not this node's. When the
     * namespace cannot be read, the process is taken as this node's.
     */
    private static boolean sameNetns(String own, String other) {
        return own.isEmpty() || other.isEmpty() || own.equals(other);
    }

    private boolean isKeepalived(long pid) {
        try {
            return Files.readString(hostPaths.resolve("/proc/" + pid + "/comm"), StandardCharsets.UTF_8).trim()
                .equals("keepalived");
        } catch (IOException e) {
            return false;
        }
    }

    /** Asks keepalived for a JSON dump at most once per json_min_interval, and reads it when it is written. */
    private void refreshJson(long pid, Deadline deadline) throws InterruptedException {
        long now = System.currentTimeMillis();
        if (now - lastJsonMillis < spec.jsonMinInterval().toMillis()) {
            return;
        }
        lastJsonMillis = now;
        try {
            FileTime before = Files.exists(spec.jsonFile()) ? Files.getLastModifiedTime(spec.jsonFile()) : FileTime.fromMillis(0);
            String signal = signalNumber(deadline);
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            if (!kill.waitFor(deadline.budgetMillis(Duration.ofSeconds(2)), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                jsonError = "cannot signal keepalived (JSON dumps need root): "
                    + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return;
            }
            while (!deadline.expired()) {
                if (Files.exists(spec.jsonFile()) && Files.getLastModifiedTime(spec.jsonFile()).compareTo(before) > 0) {
                    try (InputStream in = Files.newInputStream(spec.jsonFile())) {
                        lastJson = JsonDump.parse(in);
                        jsonError = "";
                        return;
                    } catch (IOException partial) {
                        // still being written: try again
                    }
                }
                TimeUnit.MILLISECONDS.sleep(50); // keepalived writes the file asynchronously after the signal
            }
            jsonError = "no new JSON dump within the timeout";
        } catch (IOException e) {
            jsonError = e.toString();
        }
    }

    private String signal;

    private String signalNumber(Deadline deadline) throws IOException, InterruptedException {
        if (signal == null) {
            Process p = new ProcessBuilder("keepalived", "--signum=JSON").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(deadline.budgetMillis(Duration.ofSeconds(2)), TimeUnit.MILLISECONDS) || !out.matches("\\d+")) {
                throw new IOException("keepalived --signum=JSON gave \"" + out + "\" (built without JSON support?)");
            }
            signal = out;
        }
        return signal;
    }

    static int stateNumber(String state) {
        return switch (state) {
            case "BACKUP" -> 1;
            case "MASTER" -> 2;
            case "FAULT" -> 3;
            case "STOP", "DELETED" -> 4;
            default -> 0;
        };
    }

    static String stateName(int n) {
        List<String> names = KeepalivedKind.stateNames();
        return n >= 0 && n < names.size() ? names.get(n) : "UNKNOWN(" + n + ")";
    }

    @Override
    public void close() {
        if (fifo != null) {
            fifo.close();
        }
    }
}
