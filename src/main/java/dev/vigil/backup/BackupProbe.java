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
 * Judges one backup set: lists its backups, leaves alone the one still being written, checks the newest finished one
 * (and older ones until a valid one is found), and derives freshness from the schedule. Everything comes from the
 * files and the clock, so an agent restart changes no answer.
 */
final class BackupProbe implements Probe {
    private static final int MAX_FILES = 10_000;
    private static final int MAX_CHECKED = 10;
    /** How far in the future a backup's mtime may be before it is a clock problem rather than a write in progress. */
    static final Duration CLOCK_TOLERANCE = Duration.ofMinutes(5);
    static final String CLOCK_SKEW = "clock_skew";
    private final String target;
    private final BackupKind.Spec spec;
    private final HostPaths hostPaths;
    private final Clock clock;
    private final Verifier verifier;
    private final Map<String, RsyncTree.Contents> walked = new LinkedHashMap<>();
    /** clickhouse-backup's list is one line per backup: a few hundred bytes each. */
    static final int MAX_LIST_BYTES = 16 << 20;
    private BoundedHttp http;

    BackupProbe(String target, BackupKind.Spec spec, HostPaths hostPaths, Clock clock, Verifier verifier) {
        this.target = target;
        this.spec = spec;
        this.hostPaths = hostPaths;
        this.clock = clock;
        this.verifier = verifier;
    }

    /** A backup file found now. */
    private record Found(Path path, long size, Instant mtime, Object inode) {
        Verifier.FileKey key() {
            return new Verifier.FileKey(path, size, mtime.toEpochMilli(), inode);
        }
    }

    /** What the set looks like now, whatever its format. */
    private static final class Observation {
        Instant newestValid;
        long count;
        double newestSize = Double.NaN;
        double previousSize = Double.NaN;
        Integrity newest;
        boolean inProgress;
        boolean pending;
        double files = Double.NaN;
        double hardlinkRatio = Double.NaN;
        final Map<String, String> details = new LinkedHashMap<>();
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        Instant now = clock.instant();
        Observation o;
        try {
            o = switch (spec.format()) {
                case "rsync_tree" -> observeTree(now);
                case "clickhouse_backup" -> observeClickhouse(deadline);
                default -> observeFiles(now, deadline);
            };
        } catch (AccessDeniedException e) {
            return ProbeResult.failed(Integrity.UNREADABLE, "permission denied: " + e.getFile(), List.of(), Map.of());
        } catch (ApiFailure e) {
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

    /** The compression or archive suffix of a backup's file name ("" for none): zip, gz, zst, bz2, xz, lz4. */
    static String compression(java.nio.file.Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
        return switch (ext) {
            case "zip", "gz", "tgz", "zst", "bz2", "xz", "lz4" -> ext;
            default -> "";
        };
    }

    private Observation observeFiles(Instant now, Deadline deadline) throws IOException, InterruptedException {
        Observation o = new Observation();
        List<Found> found = list();
        Instant settledBefore = now.minus(spec.settle());
        List<Found> finished = new ArrayList<>();
        if (!found.isEmpty() && found.get(0).mtime.isAfter(now.plus(CLOCK_TOLERANCE))) {
            // not "in progress" for as long as the clock is wrong: a clock problem, said as such
            Found f = found.get(0);
            o.newest = new Integrity(CLOCK_SKEW, f.path + " was modified at " + f.mtime + ", in the future of this node's"
                + " clock (" + now + "): the clock of the writer or of this node is wrong");
            o.count = found.size();
            return o;
        }
        for (Found f : found) {
            if (f.mtime.isAfter(settledBefore)) {
                o.inProgress = true;
                o.details.put("in progress", f.path + " (modified " + f.mtime + ")");
            } else {
                finished.add(f);
            }
        }
        o.count = finished.size();
        if (finished.isEmpty()) {
            return o;
        }
        o.newestSize = finished.get(0).size;
        // sizes compare only between backups stored alike: the first .zip after k3s' --etcd-snapshot-compress was
        // turned on is a twentieth of the plain snapshot before it, and did not shrink
        String variant = compression(finished.get(0).path);
        for (int i = 1; i < finished.size(); i++) {
            if (compression(finished.get(i).path).equals(variant)) {
                o.previousSize = finished.get(i).size;
                break;
            }
        }
        for (int i = 0; i < Math.min(MAX_CHECKED, finished.size()); i++) {
            Found f = finished.get(i);
            Optional<Integrity> verdict = judge(f, deadline);
            if (i == 0) {
                o.details.put("path", f.path.toString());
                if (verdict.isEmpty()) {
                    o.pending = true;
                } else {
                    o.newest = verdict.get();
                }
            }
            if (verdict.isEmpty() || verdict.get().isOk()) {
                // a backup whose check still runs counts as there: it is judged as soon as the check ends
                o.newestValid = f.mtime;
                break;
            }
        }
        return o;
    }

    /** The verdict on a file, or empty while its check still runs in the background. */
    private Optional<Integrity> judge(Found f, Deadline deadline) throws InterruptedException {
        if (f.size == 0) {
            return Optional.of(new Integrity(Integrity.EMPTY, "the file is empty"));
        }
        if (f.size < spec.minSize()) {
            return Optional.of(new Integrity("too_small", f.size + " bytes, below min_size " + spec.minSize()));
        }
        FormatCheck check = BackupFormats.check(spec.format());
        if (check == null) {
            return Optional.of(Integrity.ok(f.size + " bytes (kind file: age and size only)"));
        }
        CompletableFuture<Integrity> verdict = verifier.verify(f.key(), check, spec.verifyBytesPerSecond());
        long waitMs = Math.max(0, deadline.remaining().toMillis() - 200);
        try {
            return Optional.of(verdict.get(waitMs, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of(new Integrity(Integrity.UNREADABLE, String.valueOf(e.getCause())));
        }
    }

    /**
     * Regular files matching the path glob (the glob of every kind, {@link FileGlob}), newest first: the newest
     * MAX_FILES of all matches, kept in a bounded heap while walking, whatever the directory order. A directory that
     * cannot be read is {@code unreadable}, not an empty set.
     */
    private List<Found> list() throws IOException {
        FileGlob glob = FileGlob.parse(spec.path());
        PriorityQueue<Found> newest = new PriorityQueue<>(Comparator.comparing(Found::mtime));
        List<String> denied = glob.visit(hostPaths, (m, attrs) -> {
            if (attrs != null && attrs.isRegularFile()) {
                newest.add(new Found(m.file(), attrs.size(), attrs.lastModifiedTime().toInstant(), attrs.fileKey()));
                if (newest.size() > MAX_FILES) {
                    newest.poll();
                }
            }
            return true;
        });
        if (!denied.isEmpty()) {
            throw new AccessDeniedException(denied.get(0));
        }
        List<Found> out = new ArrayList<>(newest);
        out.sort(Comparator.comparing(Found::mtime).reversed());
        return out;
    }

    private Observation observeTree(Instant now) throws IOException {
        Observation o = new Observation();
        Path root = hostPaths.resolve(spec.path());
        if (!Files.isDirectory(root)) {
            return o;
        }
        List<RsyncTree.Snapshot> snapshots = RsyncTree.snapshots(root);
        Optional<Path> latest = RsyncTree.latestLink(root);
        List<RsyncTree.Snapshot> complete = new ArrayList<>();
        RsyncTree.Snapshot newestAttempt = snapshots.isEmpty() ? null : snapshots.get(0);
        for (int i = 0; i < snapshots.size(); i++) {
            RsyncTree.Snapshot s = snapshots.get(i);
            boolean newerThanLatest = latest.isPresent() && snapshots.stream().filter(x -> x.dir().equals(latest.get()))
                .findFirst().map(l -> s.time().isAfter(l.time())).orElse(false);
            if (newerThanLatest) {
                continue;
            }
            if (latest.isEmpty() && complete.isEmpty()) {
                RsyncTree.Contents c = contents(s, i + 1 < snapshots.size() ? snapshots.get(i + 1) : null);
                if (c.hasRsyncTemp()) {
                    continue;
                }
            }
            complete.add(s);
        }
        o.count = complete.size();
        if (newestAttempt != null && (complete.isEmpty() || !newestAttempt.equals(complete.get(0)))) {
            Instant modified = Files.getLastModifiedTime(newestAttempt.dir()).toInstant();
            if (modified.isAfter(now.minus(spec.settle()))) {
                o.inProgress = true;
                o.details.put("in progress", newestAttempt.dir().toString());
            } else {
                o.newest = new Integrity(Integrity.TRUNCATED, "snapshot " + newestAttempt.dir().getFileName()
                    + " is incomplete (an interrupted rsync: temporary files, or newer than the latest link)");
            }
        }
        if (complete.isEmpty()) {
            return o;
        }
        RsyncTree.Snapshot newest = complete.get(0);
        RsyncTree.Snapshot previous = complete.size() > 1 ? complete.get(1) : null;
        RsyncTree.Contents c = contents(newest, previous);
        o.newestValid = newest.time();
        o.newestSize = c.bytes();
        o.files = c.files();
        if (o.newest == null) {
            o.newest = c.files() == 0 ? new Integrity(Integrity.EMPTY, "the newest snapshot holds no file")
                : Integrity.ok(c.files() + " files, " + c.bytes() + " bytes");
        }
        if (previous != null) {
            o.previousSize = contents(previous, complete.size() > 2 ? complete.get(2) : null).bytes();
            o.hardlinkRatio = c.files() == 0 ? 0 : (double) c.linkedToPrevious() / c.files();
        }
        o.details.put("newest snapshot", newest.dir().toString());
        return o;
    }

    /** clickhouse-backup's own list of its backups: from its REST API, or from its local backup directory. */
    private Observation observeClickhouse(Deadline deadline) throws IOException, InterruptedException {
        List<ClickhouseBackupList.Entry> entries = spec.url() != null ? fetchClickhouseList(deadline)
            : ClickhouseBackupList.readLocal(hostPaths.resolve(spec.path()));
        return judgeClickhouse(entries);
    }

    /**
     * clickhouse-backup's list through the shared HTTP client (one per probe, kept across runs): at most
     * {@link #MAX_LIST_BYTES}, headers and body within the deadline.
     */
    private List<ClickhouseBackupList.Entry> fetchClickhouseList(Deadline deadline) throws IOException, InterruptedException {
        if (http == null) {
            http = new BoundedHttp(null);
        }
        BoundedHttp.Answer answer;
        try {
            answer = http.get(BoundedHttp.request(spec.url()).timeout(deadline.budget(Duration.ofHours(1))).GET().build(),
                MAX_LIST_BYTES, deadline);
        } catch (ProbeFailure f) {
            throw new ApiFailure(f.reason(), "clickhouse-backup API " + f.getMessage());
        }
        if (answer.status() != 200) {
            throw new ApiFailure(Reasons.HTTP_STATUS, spec.url() + " answered HTTP " + answer.status());
        }
        try {
            return ClickhouseBackupList.parse(answer.body());
        } catch (BadResponse e) {
            throw new ApiFailure(Reasons.BAD_RESPONSE, "not clickhouse-backup's list: " + e.getMessage());
        }
    }

    private Observation judgeClickhouse(List<ClickhouseBackupList.Entry> entries) {
        Observation o = new Observation();
        List<ClickhouseBackupList.Entry> kept = entries.stream()
            .filter(e -> e.created() != null && ("any".equals(spec.location()) || spec.location().equals(e.location())))
            .sorted(Comparator.comparing(ClickhouseBackupList.Entry::created).reversed()).toList();
        o.count = kept.size();
        if (kept.isEmpty()) {
            return o;
        }
        ClickhouseBackupList.Entry newest = kept.get(0);
        o.newestSize = newest.size();
        if (kept.size() > 1) {
            o.previousSize = kept.get(1).size();
        }
        o.details.put("newest backup", newest.name() + " (" + newest.location() + ")");
        for (ClickhouseBackupList.Entry e : kept) {
            Integrity verdict = e.broken() ? new Integrity("broken", "clickhouse-backup says: " + e.desc())
                : e.size() == 0 ? new Integrity(Integrity.EMPTY, "size 0")
                : e.size() > 0 && e.size() < spec.minSize() ? new Integrity("too_small", e.size() + " bytes, below min_size")
                : Integrity.ok(e.size() + " bytes, " + e.location());
            if (e == newest) {
                o.newest = verdict;
            }
            if (verdict.isOk()) {
                o.newestValid = e.created();
                break;
            }
        }
        return o;
    }

    /** A failure to reach clickhouse-backup's API, with its reason. */
    static final class ApiFailure extends IOException {
        final String reason;

        ApiFailure(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** A snapshot's contents, walked once per change of its directory. */
    private RsyncTree.Contents contents(RsyncTree.Snapshot s, RsyncTree.Snapshot previous) throws IOException {
        String key = s.dir() + "|" + Files.getLastModifiedTime(s.dir(), LinkOption.NOFOLLOW_LINKS).toMillis() + "|"
            + (previous == null ? "" : previous.dir());
        RsyncTree.Contents c = walked.get(key);
        if (c == null) {
            c = RsyncTree.walk(s.dir(), previous == null ? null : previous.dir());
            if (walked.size() > 16) {
                walked.clear();
            }
            walked.put(key, c);
        }
        return c;
    }
}
