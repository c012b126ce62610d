package dev.vigil.backup;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.FileGlob;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Backups as files matching a glob (dumps, RDB files, snapshots, tarballs): the newest finished one is checked in its
 * format (and older ones until a valid one is found), the one still being written is left alone.
 */
final class FileSetSource implements BackupSource {
    private static final int MAX_FILES = 10_000;
    private static final int MAX_CHECKED = 10;
    /** How far in the future a backup's mtime may be before it is a clock problem rather than a write in progress. */
    static final Duration CLOCK_TOLERANCE = Duration.ofMinutes(5);
    static final String CLOCK_SKEW = "clock_skew";
    private final BackupKind.Spec spec;
    private final HostPaths hostPaths;
    private final Verifier verifier;

    FileSetSource(BackupKind.Spec spec, HostPaths hostPaths, Verifier verifier) {
        this.spec = spec;
        this.hostPaths = hostPaths;
        this.verifier = verifier;
    }

    /** A backup file found now. */
    private record Found(Path path, long size, Instant mtime, Object inode) {
        Verifier.FileKey key() {
            return new Verifier.FileKey(path, size, mtime.toEpochMilli(), inode);
        }
    }

    @Override
    public SetObservation observe(Instant now, Deadline deadline) throws IOException, InterruptedException {
        return observeFiles(now, deadline);
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

    private SetObservation observeFiles(Instant now, Deadline deadline) throws IOException, InterruptedException {
        SetObservation o = new SetObservation();
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

}
