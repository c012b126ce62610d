package dev.vigil.backup;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the content checks of backup files on one background thread, at most {@code bytesPerSecond}, and remembers
 * each verdict by the file's identity (path, size, modification time, inode): a file is read once per change, and a
 * 50 GiB dump costs one thread at a bounded rate instead of stalling probes. Probes wait for a verdict only until their
 * deadline; a verdict still being computed is "pending" and picked up by a later run.
 */
final class Verifier {
    /** A file as it was when judged. */
    record FileKey(Path path, long size, long mtimeMillis, Object inode) {
    }

    private static final int REMEMBERED = 4096;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "vigil-backup-verifier");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });
    private final Map<FileKey, CompletableFuture<Integrity>> verdicts = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<FileKey, CompletableFuture<Integrity>> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** The verdict on this version of the file, computed at most once. */
    synchronized CompletableFuture<Integrity> verify(FileKey key, FormatCheck check, long bytesPerSecond) {
        return verdicts.computeIfAbsent(key, k -> CompletableFuture.supplyAsync(() -> judge(k, check, bytesPerSecond), thread));
    }

    static Integrity judge(FileKey key, FormatCheck check, long bytesPerSecond) {
        try (InputStream in = new BufferedInputStream(new Throttled(Files.newInputStream(key.path()), bytesPerSecond),
            64 * 1024)) {
            return check.check(in, key.size());
        } catch (NoSuchFileException e) {
            return new Integrity(Integrity.UNREADABLE, "the file disappeared while it was checked (rotated away?)");
        } catch (AccessDeniedException e) {
            return new Integrity(Integrity.UNREADABLE, "permission denied: the agent's user cannot read it");
        } catch (IOException | RuntimeException e) {
            return new Integrity(Integrity.UNREADABLE, "read error: " + e.getMessage());
        }
    }

    /** Sleeps as needed so reading never goes faster than the configured rate. */
    static final class Throttled extends FilterInputStream {
        private final long bytesPerSecond;
        private final long start = System.nanoTime();
        private long read;

        Throttled(InputStream in, long bytesPerSecond) {
            super(in);
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0 && bytesPerSecond > 0) {
                read += n;
                long due = start + (long) (read * 1e9 / bytesPerSecond);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            return super.skip(n); // skipped bytes are not read from disk
        }
    }
}
