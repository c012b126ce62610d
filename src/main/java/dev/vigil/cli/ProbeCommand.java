package dev.vigil.cli;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.Durations;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetSnapshot;
import dev.vigil.probe.TargetState;
import dev.vigil.probe.Timing;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code vigil probe KIND TARGET [--option value ...]}: runs one probe once, through the same parser, scheduler and
 * deadline as the agent, and prints what it found. Exit 0 when the probe succeeded, 1 when it failed.
 */
public final class ProbeCommand {
    private final ProbeKinds kinds;
    private final HostPaths hostPaths;

    public ProbeCommand(ProbeKinds kinds, HostPaths hostPaths) {
        this.kinds = kinds;
        this.hostPaths = hostPaths;
    }

    public int run(CommandLine cl, PrintStream out) throws CommandLine.UsageException, InterruptedException {
        String kindName = cl.arguments().get(0);
        ProbeKind kind = kinds.get(kindName).orElseThrow(() -> new CommandLine.UsageException(
            "unknown probe kind \"" + kindName + "\" (kinds: " + String.join(", ", kinds.names()) + ")"));
        StringBuilder yaml = new StringBuilder();
        cl.flags().entrySet().stream().filter(e -> e.getKey().equals("timeout")).findFirst()
            .ifPresent(e -> yaml.append("defaults:\n  timeout: ").append(e.getValue()).append("\n  interval: 1h\n"));
        try {
            yaml.append(kind.commandLineConfig(cl.arguments().get(1), cl.options()));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.UsageException(e.getMessage());
        }
        VigilConfig config;
        try {
            config = new ConfigLoader(kinds, hostPaths).parse("<command line>", yaml.toString());
        } catch (ConfigException e) {
            String first = e.errors().get(0).message();
            String path = e.errors().get(0).path();
            String option = path.substring(path.lastIndexOf('.') + 1);
            throw new CommandLine.UsageException("--" + option.replace('_', '-') + ": " + first);
        }
        List<Target> once = config.targets().stream().filter(t -> t.kind().equals(kindName)).map(t -> new Target(t.kind(), t.name(),
            t.timing().with(t.timing().interval(), t.timing().timeout(), Duration.ZERO), t.spec())).toList();
        VigilConfig immediate = new VigilConfig(config.source(), config.defaults(), config.maxConcurrentProbes(), once);
        try (Scheduler scheduler = new Scheduler(kinds, hostPaths)) {
            scheduler.apply(immediate);
            Duration wait = once.stream().map(t -> t.timing().timeout()).max(Duration::compareTo).orElse(Duration.ZERO)
                .plusSeconds(5);
            scheduler.await(scheduler::firstRoundDone, wait);
            boolean allOk = true;
            for (TargetState s : scheduler.states()) {
                TargetSnapshot snap = s.last();
                if (snap == null) {
                    out.println(kindName + " " + s.target().name() + ": no result");
                    allOk = false;
                    continue;
                }
                allOk &= snap.result().success();
                if ("json".equals(cl.flag("output", "text"))) {
                    out.println(json(s.target(), snap));
                } else {
                    text(out, s.target(), snap);
                }
            }
            return allOk ? 0 : 1;
        }
    }

    private static void text(PrintStream out, Target target, TargetSnapshot snap) {
        ProbeResult r = snap.result();
        out.printf("%s %s: %s%s in %.3f s%n", target.kind(), target.name(), r.success() ? "OK" : "FAILED",
            r.success() ? "" : " (" + r.reason() + ")", snap.durationSeconds());
        if (!r.message().isEmpty()) {
            out.println("  " + r.message());
        }
        r.details().forEach((k, v) -> out.println("  " + k + ": " + v));
        if (!r.samples().isEmpty()) {
            out.println("metrics:");
            for (Sample s : r.samples()) {
                out.println("  " + s.family().name() + labels(s) + " " + formatValue(s.value()));
            }
        }
        out.println("timeout: " + Durations.format(target.timing().timeout()));
    }

    private static String labels(Sample s) {
        if (s.labelValues().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < s.labelValues().size(); i++) {
            b.append(i == 0 ? "" : ",").append(s.family().labelNames().get(i)).append("=\"")
                .append(s.labelValues().get(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return b.append('}').toString();
    }

    private static String formatValue(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    static String json(Target target, TargetSnapshot snap) {
        ProbeResult r = snap.result();
        String details = r.details().entrySet().stream().map(e -> q(e.getKey()) + ":" + q(e.getValue()))
            .collect(Collectors.joining(","));
        String metrics = r.samples().stream().map(s -> {
            StringBuilder labels = new StringBuilder();
            for (int i = 0; i < s.labelValues().size(); i++) {
                labels.append(i == 0 ? "" : ",").append(q(s.family().labelNames().get(i))).append(':')
                    .append(q(s.labelValues().get(i)));
            }
            double v = s.value();
            String value = Double.isFinite(v) ? formatValue(v) : q(String.valueOf(v));
            return "{\"name\":" + q(s.family().name()) + ",\"labels\":{" + labels + "},\"value\":" + value + "}";
        }).collect(Collectors.joining(","));
        return "{\"kind\":" + q(target.kind()) + ",\"target\":" + q(target.name()) + ",\"success\":" + r.success()
            + ",\"reason\":" + q(r.reason()) + ",\"message\":" + q(r.message()) + ",\"duration_seconds\":"
            + snap.durationSeconds() + ",\"details\":{" + details + "},\"metrics\":[" + metrics + "]}";
    }

    private static String q(String s) {
        return dev.vigil.logging.LogLayout.jsonString(s);
    }
}
