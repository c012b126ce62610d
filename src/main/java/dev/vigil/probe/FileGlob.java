package dev.vigil.tls;

import dev.vigil.config.HostPaths;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * A host path that may hold glob characters: {@code *} and {@code ?} within a name, {@code **} across directories
 * (zero or more), {@code [abc]} and {@code {a,b}}. The part before the first glob character is the directory that is
 * walked (through {@code --path.rootfs}); matches are returned as host paths, sorted.
 */
record FileGlob(String base, String pattern) {
    static final int MAX_DEPTH = 16;
    static final int MAX_MATCHES = 1000;

    static FileGlob parse(String hostPath) {
        if (hostPath.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        String[] parts = hostPath.split("/", -1);
        int firstGlob = -1;
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].matches(".*[*?\\[{].*")) {
                firstGlob = i;
                break;
            }
        }
        if (firstGlob < 0) {
            return new FileGlob(hostPath, "");
        }
        String base = String.join("/", java.util.Arrays.copyOfRange(parts, 0, firstGlob));
        if (base.isEmpty()) {
            base = hostPath.startsWith("/") ? "/" : ".";
        }
        String pattern = String.join("/", java.util.Arrays.copyOfRange(parts, firstGlob, parts.length));
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid glob \"" + hostPath + "\": " + e.getMessage());
        }
        return new FileGlob(base, pattern);
    }

    boolean isGlob() {
        return !pattern.isEmpty();
    }

    /** A host path and the path to open for it. */
    record Match(String hostPath, Path file) {
    }

    /** The files matched, and the directories that could not be read while looking (host paths). */
    record Expansion(List<Match> matches, List<String> deniedDirectories) {
    }

    Expansion expand(HostPaths hostPaths) throws IOException {
        if (!isGlob()) {
            Path file = hostPaths.resolve(base);
            // a missing file is "no match"; one that cannot even be looked at is reported when it is read
            return new Expansion(Files.notExists(file) ? List.of() : List.of(new Match(base, file)), List.of());
        }
        Path root = hostPaths.resolve(base);
        if (!Files.isDirectory(root)) {
            // notExists is false when the answer is "cannot tell": a parent directory we may not enter
            return new Expansion(List.of(), Files.notExists(root) ? List.of() : List.of(base));
        }
        List<String> denied = new ArrayList<>();
        List<PathMatcher> matchers = new ArrayList<>();
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
        if (pattern.contains("**/")) {
            // ** also matches no directory at all, as in shells with globstar
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace("**/", "")));
        }
        List<Match> out = new ArrayList<>();
        boolean deep = pattern.contains("**") || pattern.contains("/");
        int depth = deep ? MAX_DEPTH : 1;
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), depth, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isDirectory()) {
                    return FileVisitResult.CONTINUE;
                }
                Path rel = root.relativize(file);
                for (PathMatcher m : matchers) {
                    if (m.matches(rel)) {
                        String host = base.endsWith("/") ? base + rel : base + "/" + rel;
                        out.add(new Match(host, file));
                        break;
                    }
                }
                return out.size() >= MAX_MATCHES ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                if (exc instanceof java.nio.file.AccessDeniedException) {
                    Path rel = root.relativize(file);
                    denied.add(rel.toString().isEmpty() ? base : (base.endsWith("/") ? base + rel : base + "/" + rel));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        out.sort(java.util.Comparator.comparing(Match::hostPath));
        return new Expansion(out, denied);
    }
}
