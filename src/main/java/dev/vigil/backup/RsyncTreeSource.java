package dev.vigil.backup;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Backups as an rsync snapshot tree: one directory per snapshot, hard links to the one before, a latest link. */
final class RsyncTreeSource implements BackupSource {
    private final BackupKind.Spec spec;
    private final HostPaths hostPaths;
    private final Map<String, RsyncTree.Contents> walked = new LinkedHashMap<>();

    RsyncTreeSource(BackupKind.Spec spec, HostPaths hostPaths) {
        this.spec = spec;
        this.hostPaths = hostPaths;
    }

    @Override
    public SetObservation observe(Instant now, Deadline deadline) throws IOException {
        return observeTree(now);
    }

    private SetObservation observeTree(Instant now) throws IOException {
        SetObservation o = new SetObservation();
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
