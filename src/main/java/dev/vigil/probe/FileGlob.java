package dev.vigil.probe;

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
 * (zero or more: {@code dir/**&#47;*.tar.gz} matches files directly in {@code dir} too), {@code [abc]} and {@code {a,b}}.
 * The part before the first glob character is the directory that is walked (through {@code --path.rootfs}), at most
 * {@link #MAX_DEPTH} levels deep; matches are returned as host paths. The one glob of every kind that reads files.
 */
public record FileGlob(String base, String pattern) {
    public static final int MAX_DEPTH = 16;
    public static final int MAX_MATCHES = 1000;

    public static FileGlob parse(String hostPath) {
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

    public boolean isGlob() {
        return !pattern.isEmpty();
    }

    /** A host path and the path to open for it. */
    public record Match(String hostPath, Path file) {
    }

    /** The files matched, and the directories that could not be read while looking (host paths). */
    public record Expansion(List<Match> matches, List<String> deniedDirectories) {
    }

    /** Receives every match of a walk with its attributes; false stops the walk. */
    public interface Visitor {
        boolean visit(Match match, BasicFileAttributes attrs);
    }

    /** The first {@link #MAX_MATCHES} matches, sorted by host path. */
    public Expansion expand(HostPaths hostPaths) throws IOException {
        List<Match> out = new ArrayList<>();
        List<String> denied = visit(hostPaths, (m, attrs) -> {
            out.add(m);
            return out.size() < MAX_MATCHES;
        });
        out.sort(java.util.Comparator.comparing(Match::hostPath));
        return new Expansion(out, denied);
    }

    /**
     * Walks every match (regular files and what links lead to), for callers that keep their own bounded selection;
     * returns the directories that could not be read (host paths).
     */
    public List<String> visit(HostPaths hostPaths, Visitor visitor) throws IOException {
        if (!isGlob()) {
            Path file = hostPaths.resolve(base);
            // a missing file is "no match"; one that cannot even be looked at is reported when it is read
            if (!Files.notExists(file)) {
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (IOException e) {
                    attrs = null;
                }
                visitor.visit(new Match(base, file), attrs);
            }
            return List.of();
        }
        Path root = hostPaths.resolve(base);
        if (!Files.isDirectory(root)) {
            // notExists is false when the answer is "cannot tell": a parent directory we may not enter
            return Files.notExists(root) ? List.of() : List.of(base);
        }
        if (!Files.isReadable(root)) {
            return List.of(base);
        }
        List<String> denied = new ArrayList<>();
        List<PathMatcher> matchers = new ArrayList<>();
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern));
        if (pattern.contains("**/")) {
            // ** also matches no directory at all, as in shells with globstar
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace("**/", "")));
        }
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
                        return visitor.visit(new Match(host, file), attrs) ? FileVisitResult.CONTINUE
                            : FileVisitResult.TERMINATE;
                    }
                }
                return FileVisitResult.CONTINUE;
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
        return denied;
    }
}
