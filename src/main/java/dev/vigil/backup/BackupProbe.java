package dev.vigil.backup;

import dev.vigil.net.BadResponse;
import dev.vigil.net.BoundedHttp;
import dev.vigil.net.Reasons;
import dev.vigil.probe.FileGlob;
import java.util.PriorityQueue;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Judges one backup set: its source ({@link FileSetSource}, {@link RsyncTreeSource}, {@link ClickhouseSource}) says what
 * the set looks like now; this turns that into series and a verdict, and derives freshness from the schedule.
 * Everything comes from the backups and the clock, so an agent restart changes no answer.
 */
final class BackupProbe implements Probe {
    static final String CLOCK_SKEW = FileSetSource.CLOCK_SKEW;
    private final String target;
    private final BackupKind.Spec spec;
    private final Clock clock;
    private final BackupSource source;

    BackupProbe(String target, BackupKind.Spec spec, HostPaths hostPaths, Clock clock, Verifier verifier) {
        this.target = target;
        this.spec = spec;
        this.clock = clock;
        this.source = switch (spec.format()) {
            case "rsync_tree" -> new RsyncTreeSource(spec, hostPaths);
            case "clickhouse_backup" -> new ClickhouseSource(spec, hostPaths);
            default -> new FileSetSource(spec, hostPaths, verifier);
        };
    }

    /** The compression or archive suffix of a backup's file name ("" for none). */
    static String compression(java.nio.file.Path file) {
        return FileSetSource.compression(file);
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        Instant now = clock.instant();
        SetObservation o;
        try {
            o = source.observe(now, deadline);
        } catch (AccessDeniedException e) {
            return ProbeResult.failed(Integrity.UNREADABLE, "permission denied: " + e.getFile(), List.of(), Map.of());
        } catch (ClickhouseSource.ApiFailure e) {
            return ProbeResult.failed(e.reason, e.getMessage(), List.of(), Map.of());
        }
        Duration overdue = spec.schedule().overdue(o.newestValid, now);
        List<Sample> samples = new ArrayList<>();
        samples.add(BackupKind.INFO.sample(1, target, spec.format(), spec.path()));
        samples.add(BackupKind.LAST.sample(o.newestValid == null ? 0 : o.newestValid.toEpochMilli() / 1000.0, target));
        samples.add(BackupKind.COUNT.sample(o.count, target));
        if (spec.keep() > 0) {
            samples.add(BackupKind.KEEP.sample(spec.keep(), target));
        }
        samples.add(BackupKind.INTERVAL.sample(spec.schedule().expectedInterval(now).toMillis() / 1000.0, target));
        samples.add(BackupKind.OVERDUE.sample(overdue.toMillis() / 1000.0, target));
        samples.add(BackupKind.IN_PROGRESS.sample(o.inProgress ? 1 : 0, target));
        samples.add(BackupKind.PENDING.sample(o.pending ? 1 : 0, target));
        if (!Double.isNaN(o.newestSize)) {
            samples.add(BackupKind.SIZE.sample(o.newestSize, target));
            if (o.previousSize > 0) {
                samples.add(BackupKind.SIZE_CHANGE.sample(o.newestSize / o.previousSize, target));
            }
        }
        if (o.newest != null) {
            samples.add(BackupKind.INTEGRITY.sample(o.newest.isOk() ? 1 : 0, target, o.newest.reason()));
            o.details.put("newest", o.newest.reason() + ": " + o.newest.detail());
        }
        if (!Double.isNaN(o.files)) {
            samples.add(BackupKind.FILES.sample(o.files, target));
        }
        if (!Double.isNaN(o.hardlinkRatio)) {
            samples.add(BackupKind.HARDLINKS.sample(o.hardlinkRatio, target));
        }
        o.details.put("newest valid", o.newestValid == null ? "none" : o.newestValid.toString());
        if (o.newest != null && !o.newest.isOk()) {
            return ProbeResult.failed(o.newest.reason(), "newest backup: " + o.newest.detail(), samples, o.details);
        }
        if (o.newestValid == null) {
            return ProbeResult.failed("no_backup", "no valid backup matches " + spec.path(), samples, o.details);
        }
        if (!overdue.isZero()) {
            return ProbeResult.failed("overdue", "the newest valid backup is from " + o.newestValid + ", late by "
                + dev.vigil.config.Durations.format(overdue.withNanos(0)), samples, o.details);
        }
        return ProbeResult.ok(samples, o.details);
    }
}
