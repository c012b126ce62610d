package dev.vigil.metrics;

import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.TargetSnapshot;
import dev.vigil.probe.TargetState;
import io.netty.buffer.ByteBufAllocator;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the scheduler's latest snapshots into metric snapshots at scrape time. It only reads immutable state (no
 * probe work, no locks shared with probes) and rebuilds nothing when no result changed since the last scrape, so a
 * target removed by a reload vanishes at the next scrape while a busy scrape loop costs little.
 */
public final class VigilCollector implements MultiCollector {
    private static final Logger LOG = LoggerFactory.getLogger(VigilCollector.class);

    static final MetricFamily BUILD_INFO = MetricFamily.info("vigil_build_info",
        "Version of the running agent, its git revision and the Java runtime.", "version", "revision", "java_version");
    static final MetricFamily RELOAD_OK = MetricFamily.gauge("vigil_config_last_reload_successful",
        "1 if the latest configuration load or reload was applied, 0 if it was refused.");
    static final MetricFamily RELOAD_TS = MetricFamily.gauge("vigil_config_last_reload_success_timestamp_seconds",
        "When a configuration was last applied.");
    static final MetricFamily RELOADS = MetricFamily.counter("vigil_config_reloads_total",
        "Configuration reload attempts (HTTP or SIGHUP), by result.", "result");
    static final MetricFamily TARGETS = MetricFamily.gauge("vigil_targets",
        "Targets configured, by probe kind.", "kind");
    static final MetricFamily SUCCESS = MetricFamily.gauge("vigil_probe_success",
        "1 if the latest run of the target succeeded, else 0 (see vigil_probe_failures_total for the reason).",
        "kind", "target");
    static final MetricFamily PRESENT = MetricFamily.gauge("vigil_probe_present",
        "1 if the target's component is installed on this node, 0 if it is absent (its when_present paths are missing:"
            + " nothing is probed, no other series of the target is exported, and no rule alerts on it).",
        "kind", "target");
    static final MetricFamily REASON = MetricFamily.info("vigil_probe_reason_info",
        "The reason of the latest run of the target (ok or a failure reason of its kind).", "kind", "target", "reason");
    static final MetricFamily DURATION = MetricFamily.gauge("vigil_probe_duration_seconds",
        "How long the latest run of the target took.", "kind", "target");
    static final MetricFamily LAST_RUN = MetricFamily.gauge("vigil_probe_last_run_timestamp_seconds",
        "When the latest run of the target finished.", "kind", "target");
    static final MetricFamily FAILURES = MetricFamily.counter("vigil_probe_failures_total",
        "Failed runs of the target since the agent started, by reason.", "kind", "target", "reason");
    static final MetricFamily SKIPPED = MetricFamily.counter("vigil_probe_skipped_runs_total",
        "Runs not started because the previous run of the target was still in flight.", "kind", "target");
    static final MetricFamily ABANDONED = MetricFamily.gauge("vigil_scheduler_abandoned_runs",
        "Runs cut at their deadline whose thread has not returned yet (a probe ignoring interruption).");
    static final MetricFamily QUEUED = MetricFamily.gauge("vigil_scheduler_queued_runs",
        "Runs waiting for a slot under max_concurrent_probes.");
    static final MetricFamily MAX_CONCURRENT = MetricFamily.gauge("vigil_scheduler_max_concurrent_probes",
        "The configured limit of probe runs in flight at once.");

    static final MetricFamily SLOW_RUNS = MetricFamily.gauge("vigil_scheduler_slow_runs",
        "Runs past their slow threshold (1 s, 100 ms for a target whose last run timed out) that gave their slot back"
            + " and wait for their deadline in the slow lane (at most 4 x max_concurrent_probes).");
    static final MetricFamily SCHEDULER_UP = MetricFamily.gauge("vigil_scheduler_up",
        "1 while the scheduler can run targets; 0 once its dispatch thread died (the log says why; restart the agent).");
    static final MetricFamily INTERNAL_ERRORS = MetricFamily.counter("vigil_scheduler_internal_errors_total",
        "Failures inside the scheduler itself (not of a probe), each also logged.");
    static final MetricFamily LABELS_TRUNCATED = MetricFamily.gauge("vigil_probe_label_values_truncated",
        "Label values of the target's latest run cut to the length limit (" + dev.vigil.probe.SeriesLimits.MAX_LABEL_VALUE_LENGTH + " characters).", "kind", "target");
    static final MetricFamily SERIES_DROPPED = MetricFamily.gauge("vigil_probe_series_dropped",
        "Series of the target's latest run left out because of the per-target series limit.", "kind", "target");

    /** Every family this collector itself may emit (kinds declare theirs). */
    public static final List<MetricFamily> FAMILIES = List.of(BUILD_INFO, RELOAD_OK, RELOAD_TS, RELOADS, TARGETS,
        PRESENT, SUCCESS, REASON, DURATION, LAST_RUN, FAILURES, SKIPPED, ABANDONED, QUEUED, MAX_CONCURRENT, SLOW_RUNS, SCHEDULER_UP,
        INTERNAL_ERRORS, LABELS_TRUNCATED, SERIES_DROPPED);

    private final Scheduler scheduler;
    private final Supplier<ReloadStatus> reloadStatus;
    private final BuildInfo build;
    private volatile Cached cache;

    private record Cached(long version, List<MetricSnapshot> targets) {
    }

    public VigilCollector(Scheduler scheduler, Supplier<ReloadStatus> reloadStatus, BuildInfo build) {
        this.scheduler = scheduler;
        this.reloadStatus = reloadStatus;
        this.build = build;
        this.targets = new TargetsText(scheduler, ByteBufAllocator.DEFAULT);
    }

    @Override
    public MetricSnapshots collect() {
        Families f = new Families();
        agentSamples().forEach(f::add);
        List<MetricSnapshot> out = f.build();
        out.addAll(targetSnapshots());
        return new MetricSnapshots(out);
    }

    private List<MetricSnapshot> targetSnapshots() {
        long version = scheduler.version();
        Cached c = cache;
        if (c != null && c.version == version) {
            return c.targets;
        }
        Families f = new Families();
        Map<String, Integer> perKind = new TreeMap<>();
        for (TargetState s : scheduler.states()) {
            String kind = s.target().kind();
            String name = s.target().name();
            perKind.merge(kind, 1, Integer::sum);
            targetSamples(kind, name, s.last(), s.skippedRuns(), s.failures(), f::add);
        }
        perKind.forEach((kind, n) -> f.add(TARGETS.sample(n, kind)));
        List<MetricSnapshot> built = f.build();
        cache = new Cached(version, built);
        return built;
    }

    /**
     * The series of one target, for both scrape paths: its counters always; once it ran, whether its component is
     * present; when present, its verdict, timings, cut counts and its kind's samples.
     */
    static void targetSamples(String kind, String name, TargetSnapshot last, long skipped,
                                      Map<String, Long> failures, java.util.function.Consumer<Sample> out) {
        failures.forEach((reason, count) -> out.accept(FAILURES.sample(count, kind, name, reason)));
        out.accept(SKIPPED.sample(skipped, kind, name));
        if (last == null) {
            return;
        }
        out.accept(PRESENT.sample(last.result().isAbsent() ? 0 : 1, kind, name));
        if (last.result().isAbsent()) {
            return;
        }
        out.accept(SUCCESS.sample(last.result().success() ? 1 : 0, kind, name));
        out.accept(REASON.sample(1, kind, name, last.result().reason()));
        out.accept(DURATION.sample(last.durationSeconds(), kind, name));
        out.accept(LAST_RUN.sample(last.finishedAtMillis() / 1000.0, kind, name));
        if (last.labelValuesTruncated() > 0 || last.seriesDropped() > 0) {
            out.accept(LABELS_TRUNCATED.sample(last.labelValuesTruncated(), kind, name));
            out.accept(SERIES_DROPPED.sample(last.seriesDropped(), kind, name));
        }
        last.result().samples().forEach(out);
    }

    static void declaredTwice(String name) {
        LOG.atWarn().addKeyValue("metric", name).log("metric declared twice with different labels; sample dropped");
    }

    // ---- direct text rendering (the agent's /metrics): the same series as collect(), rendered per target and cached

    private final TargetsText targets;

    /** The agent's own series, read fresh at every scrape (both the snapshot and the direct text path). */
    private List<Sample> agentSamples() {
        ReloadStatus reload = reloadStatus.get();
        return List.of(
            BUILD_INFO.sample(1, build.version(), build.revision(), build.javaVersion()),
            RELOAD_OK.sample(reload.successful() ? 1 : 0),
            RELOAD_TS.sample(reload.lastSuccessMillis() / 1000.0),
            RELOADS.sample(reload.reloads() - reload.failures(), "success"),
            RELOADS.sample(reload.failures(), "failure"),
            ABANDONED.sample(scheduler.abandonedRuns()),
            QUEUED.sample(scheduler.queuedRuns()),
            MAX_CONCURRENT.sample(scheduler.maxConcurrent()),
            SLOW_RUNS.sample(scheduler.slowRuns()),
            SCHEDULER_UP.sample(scheduler.failure().isEmpty() ? 1 : 0),
            INTERNAL_ERRORS.sample(scheduler.internalErrors()));
    }

    /** The agent's own series (a few, rendered at every scrape), as exposition text. */
    byte[] agentText(boolean openMetrics) {
        SeriesText.LinesBuilder b = new SeriesText.LinesBuilder();
        agentSamples().forEach(b::add);
        SeriesText.Lines lines = b.build(f -> false);
        SeriesText.Buffer out = new SeriesText.Buffer(4096);
        for (int i = 0; i < lines.segments(); i++) {
            SeriesText.Family f = lines.families[i];
            out.write(openMetrics ? f.openMetricsHeader() : f.textHeader());
            out.write(lines.text, lines.segmentStart(i), lines.segmentLength(i));
        }
        return out.toByteArray();
    }

    /**
     * The series of every target as exposition text (or its compressed segment), to be released by the caller:
     * unchanged targets reuse the lines rendered at an earlier scrape, and while no result changed the whole text.
     */
    TargetsText.Part targetText(boolean openMetrics, boolean deflated) {
        return targets.get(openMetrics, deflated);
    }

    /** Samples grouped by family, in first-seen order; a repeated label set keeps its first value. */
    private static final class Families {
        private final Map<String, Map<Labels, Sample>> byName = new LinkedHashMap<>();
        private final Map<String, MetricFamily> families = new LinkedHashMap<>();

        void add(Sample s) {
            MetricFamily fam = s.family();
            MetricFamily known = families.putIfAbsent(fam.name(), fam);
            if (known != null && !known.equals(fam)) {
                LOG.atWarn().addKeyValue("metric", fam.name()).log("metric declared twice with different labels; sample dropped");
                return;
            }
            Labels labels = Labels.of(fam.labelNames(), s.labelValues());
            byName.computeIfAbsent(fam.name(), n -> new LinkedHashMap<>()).putIfAbsent(labels, s);
        }

        List<MetricSnapshot> build() {
            List<MetricSnapshot> out = new ArrayList<>();
            byName.forEach((name, samples) -> {
                MetricFamily fam = families.get(name);
                try {
                    out.add(snapshot(fam, samples));
                } catch (RuntimeException e) {
                    LOG.atError().addKeyValue("metric", name).setCause(e).log("cannot render metric; left out of this scrape");
                }
            });
            return out;
        }

        private static MetricSnapshot snapshot(MetricFamily fam, Map<Labels, Sample> samples) {
            switch (fam.type()) {
                case COUNTER: {
                    CounterSnapshot.Builder b = CounterSnapshot.builder()
                        .name(fam.name().substring(0, fam.name().length() - "_total".length())).help(fam.help());
                    samples.forEach((labels, s) -> b.dataPoint(
                        CounterDataPointSnapshot.builder().labels(labels).value(s.value()).build()));
                    return b.build();
                }
                case INFO: {
                    InfoSnapshot.Builder b = InfoSnapshot.builder()
                        .name(fam.name().substring(0, fam.name().length() - "_info".length())).help(fam.help());
                    samples.forEach((labels, s) -> b.dataPoint(InfoDataPointSnapshot.builder().labels(labels).build()));
                    return b.build();
                }
                default: {
                    GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(fam.name()).help(fam.help());
                    samples.forEach((labels, s) -> b.dataPoint(
                        GaugeDataPointSnapshot.builder().labels(labels).value(s.value()).build()));
                    return b.build();
                }
            }
        }
    }
}
