package dev.vigil;

import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * Where the documentation of each part lives: a kind's reference is the {@code README.md} of its package, next to its
 * code; what every kind shares (scheduler, common metrics, reliability, limits) is {@code dev/vigil/probe/README.md}.
 */
public final class Docs {
    public static final Path README = Path.of("README.md");
    public static final Path MAIN = Path.of("src", "main", "java");
    public static final Path SHARED = MAIN.resolve("dev/vigil/probe/README.md");
    /** The sections of every kind's reference, in this order. */
    public static final List<String> TEMPLATE = List.of("Configuration", "Metrics", "Reasons", "Example PromQL",
        "Command line", "Notes");

    private Docs() {
    }

    /** The reference of a kind: the README.md of the package that holds its {@code ProbeKind}. */
    public static Path reference(ProbeKind kind) {
        return MAIN.resolve(kind.getClass().getPackageName().replace('.', '/')).resolve("README.md");
    }

    /** Every kind's reference, each once (two kinds may share a package and so a reference). */
    public static List<Path> references() {
        return ProbeKinds.builtIn().all().stream().map(Docs::reference).distinct().sorted().toList();
    }

    /**
     * The text of every reference, of the shared page and of alerts/README.md (the recording rules): where a metric
     * used by a rule or a panel must appear.
     */
    public static String allReferences() {
        StringBuilder all = new StringBuilder(read(SHARED)).append('\n').append(read(Path.of("alerts", "README.md")));
        references().forEach(p -> all.append('\n').append(read(p)));
        return all.toString();
    }

    /** The {@code ## } headings of a markdown file, outside code blocks. */
    public static List<String> sections(Path file) {
        List<String> headings = new java.util.ArrayList<>();
        boolean code = false;
        for (String line : read(file).split("\n")) {
            if (line.startsWith("```")) {
                code = !code;
            } else if (!code && line.startsWith("## ")) {
                headings.add(line.substring(3).strip());
            }
        }
        return headings;
    }

    public static TreeSet<String> kindNames() {
        return new TreeSet<>(ProbeKinds.builtIn().all().stream().map(ProbeKind::name).toList());
    }

    public static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
