package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kinds depend on the shared layer, never the other way round: {@code net} and {@code pki} name no kind's package, so
 * what several kinds need is not reached through one of them.
 */
class NetLayerDependenciesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/vigil");
    /** Packages that are not kinds: the core and the shared layer. */
    private static final Set<String> NOT_KINDS = Set.of("config", "probe", "metrics", "web", "cli", "agent", "logging",
        "net", "pki");
    private static final Pattern REFERENCE = Pattern.compile("dev\\.vigil\\.([a-z]+)\\.");

    @Test
    void theSharedLayerNamesNoKind() throws IOException {
        List<String> kinds = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !NOT_KINDS.contains(n))
                .forEach(kinds::add);
        }
        List<String> found = new ArrayList<>();
        for (String layer : List.of("net", "pki")) {
            try (Stream<Path> files = Files.list(SOURCES.resolve(layer))) {
                for (Path f : files.toList()) {
                    Matcher m = REFERENCE.matcher(Files.readString(f));
                    while (m.find()) {
                        if (kinds.contains(m.group(1))) {
                            found.add(layer + "/" + f.getFileName() + " -> " + m.group(1));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
