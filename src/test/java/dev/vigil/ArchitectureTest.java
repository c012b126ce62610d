package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vigil.probe.ProbeKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: the core (every package that is not a kind's) names no kind, no kind names another,
 * and the YAML primitives ({@code config}) know nothing of probes. The kinds' packages are those of the classes
 * registered in {@code META-INF/services/dev.vigil.probe.ProbeKind}, so a new kind is checked without a list here.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.vigil\\.([a-z]+)\\.");

    @Test
    void theCoreNamesNoKindAndNoKindNamesAnother() throws IOException {
        Set<String> kinds = kindPackages();
        assertFalse(kinds.isEmpty());
        List<String> problems = new ArrayList<>();
        for (Path file : sources()) {
            String pkg = packageOf(file);
            for (String used : references(file)) {
                if (used.equals(pkg) || !kinds.contains(used)) {
                    continue;
                }
                problems.add(MAIN.relativize(file) + " (" + (kinds.contains(pkg) ? "kind " + pkg : "core " + pkg)
                    + ") names kind " + used);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void configKnowsNothingOfProbes() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path file : sources()) {
            if (packageOf(file).equals("config")) {
                for (String used : references(file)) {
                    if (!used.equals("config")) {
                        problems.add(MAIN.relativize(file) + " names dev.vigil." + used);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** The packages of the registered kinds, read from the service file (not from a list kept here). */
    static Set<String> kindPackages() throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("src/main/resources/META-INF/services/" + ProbeKind.class.getName()))) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            Matcher m = Pattern.compile("^dev\\.vigil\\.([a-z]+)\\.[A-Z]\\w*$").matcher(l);
            if (!m.matches()) {
                throw new IllegalStateException("not a kind class in dev.vigil.<kind>: " + l);
            }
            out.add(m.group(1));
        }
        return out;
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.walk(MAIN)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String packageOf(Path file) {
        Path rel = MAIN.resolve("dev/vigil").relativize(file);
        return rel.getNameCount() == 1 ? "" : rel.getName(0).toString();
    }

    /** The dev.vigil packages a file names, in imports or fully qualified in code (comments included: a name is a name). */
    private static Set<String> references(Path file) throws IOException {
        Set<String> out = new TreeSet<>();
        Matcher m = REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
