package dev.vigil.backup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A directory of rsync {@code --link-dest} snapshots ({@code 2026-11-22T000000Z/}, ... and often a {@code latest}
 * symlink). The newest complete snapshot is the one {@code latest} points to, or, without that link, the newest
 * one holding no rsync temporary file ({@code .name.XXXXXX}); a newer one is an interrupted or running copy.
 */
final class RsyncTree {
    private static final Pattern RSYNC_TEMP = Pattern.compile("\\..+\\.[A-Za-z0-9]{6}");
    private static final List<DateTimeFormatter> NAME_FORMATS = List.of(
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'"), DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"),
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'"), DateTimeFormatter.ofPattern("yyyy-MM-dd_HH-mm-ss"),
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'"));

    /** One snapshot directory and when it was taken. */
    record Snapshot(Path dir, Instant time) {
    }

    /** What a walk of a snapshot found. */
    record Contents(long files, long bytes, boolean hasRsyncTemp, long linkedToPrevious) {
    }

    private RsyncTree() {
    }

    /** Snapshot directories, newest first (by the time in their name, else their modification time). */
    static List<Snapshot> snapshots(Path root) throws IOException {
        List<Snapshot> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS) && !d.getFileName().toString().startsWith(".")) {
                    out.add(new Snapshot(d, time(d)));
                }
            }
        }
        out.sort(Comparator.comparing(Snapshot::time).reversed());
        return out;
    }

    /** The target of a {@code latest} (or {@code current}) symlink, if the tree has one. */
    static Optional<Path> latestLink(Path root) {
        for (String name : List.of("latest", "current")) {
            Path link = root.resolve(name);
            if (Files.isSymbolicLink(link)) {
                try {
                    return Optional.of(root.resolve(Files.readSymbolicLink(link)).normalize());
                } catch (IOException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static Instant time(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        for (DateTimeFormatter f : NAME_FORMATS) {
            try {
                return LocalDateTime.parse(name, f).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                // next format
            }
        }
        try {
            return LocalDate.parse(name).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant();
        }
    }

    /** Walks a snapshot: files, bytes, rsync temp files, and how many files are hard links into {@code previous}. */
    static Contents walk(Path dir, Path previous) throws IOException {
        long[] c = new long[4];
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (!attrs.isRegularFile()) {
                    return FileVisitResult.CONTINUE;
                }
                c[0]++;
                c[1] += attrs.size();
                if (RSYNC_TEMP.matcher(file.getFileName().toString()).matches()) {
                    c[2] = 1;
                }
                if (previous != null) {
                    Path twin = previous.resolve(dir.relativize(file));
                    try {
                        Object key = Files.readAttributes(twin, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                        if (key != null && key.equals(attrs.fileKey())) {
                            c[3]++;
                        }
                    } catch (IOException missingInPrevious) {
                        // a new file
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Contents(c[0], c[1], c[2] != 0, c[3]);
    }
}
