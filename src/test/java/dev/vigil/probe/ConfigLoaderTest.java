package dev.vigil.probe;

import dev.vigil.config.ConfigError;
import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigReader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ProbeKinds;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {
    private final ConfigLoader loader = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST);

    static Path badDir() throws URISyntaxException {
        return Path.of(ConfigLoaderTest.class.getResource("/config/bad").toURI());
    }

    static Stream<String> badFiles() throws IOException, URISyntaxException {
        try (Stream<Path> files = Files.list(badDir())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")).sorted().toList().stream();
        }
    }

    /** Each bad file comes with the exact errors it must produce, all of them, in order. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badFiles")
    void badFileReportsEveryErrorWithPosition(String name) throws Exception {
        Path dir = badDir();
        String text = Files.readString(dir.resolve(name));
        List<String> expected = Files.readAllLines(dir.resolve(name.replace(".yml", ".errors"))).stream()
            .filter(l -> !l.isBlank()).toList();
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse(name, text));
        assertEquals(expected, e.errors().stream().map(ConfigError::toString).toList());
    }

    @Test
    void everyBadFileHasItsExpectedErrors() throws Exception {
        try (Stream<Path> files = Files.list(badDir())) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yml")).toList()) {
                assertTrue(Files.exists(Path.of(p.toString().replace(".yml", ".errors"))), "no .errors for " + p);
            }
        }
        assertTrue(badFiles().count() >= 8);
    }

    @Test
    void missingFileIsOneClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yml");
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(missing));
        assertEquals(missing + ": file does not exist", e.errors().get(0).toString());
    }

    @Test
    void emptySectionsAndEmptyFileAreValid() throws Exception {
        assertEquals(0, loader.parse("empty.yml", "").targets().size());
        VigilConfig c = loader.parse("sections.yml", "defaults:\ntcp:\nagent:\n");
        assertEquals(0, c.targets().size());
        assertEquals(Duration.ofSeconds(30), c.defaults().interval());
    }

    @Test
    void timingInheritsFromDefaultsThenSectionThenTarget() throws Exception {
        VigilConfig c = loader.parse("t.yml", """
            defaults: {interval: 1m, timeout: 20s, jitter: 2s}
            tcp:
              timeout: 5s
              targets:
                - target: 127.0.0.1:1
                - target: 127.0.0.1:2
                  interval: 250ms
                  timeout: 100ms
            """);
        assertEquals(Duration.ofMinutes(1), c.targets().get(0).timing().interval());
        assertEquals(Duration.ofSeconds(5), c.targets().get(0).timing().timeout());
        assertEquals(Duration.ofSeconds(2), c.targets().get(0).timing().jitter());
        assertEquals(Duration.ofMillis(250), c.targets().get(1).timing().interval());
        assertEquals(Duration.ofMillis(100), c.targets().get(1).timing().timeout());
    }

    @Test
    void anInheritedTimeoutLongerThanTheIntervalIsCutToIt() throws Exception {
        VigilConfig c = loader.parse("t.yml", "defaults: {timeout: 10s}\ntcp:\n  targets:\n    - {target: 127.0.0.1:1, interval: 5s}\n");
        assertEquals(Duration.ofSeconds(5), c.targets().get(0).timing().timeout());
    }

    @Test
    void embeddedDefaultLoads() throws Exception {
        VigilConfig c = loader.loadEmbedded();
        assertEquals(ConfigLoader.EMBEDDED_NAME, c.source());
        assertFalse(c.targets().isEmpty());
    }

    /** The configuration shown in README.md is the one tested here, not a copy. */
    @Test
    void readmeExampleIsValid() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String start = "<!-- example-config -->\n```yaml\n";
        int from = readme.indexOf(start);
        assertTrue(from >= 0, "README.md has no example configuration block");
        int to = readme.indexOf("```", from + start.length());
        String yaml = readme.substring(from + start.length(), to);
        VigilConfig c = loader.parse("README.md example", yaml);
        assertFalse(c.targets().isEmpty());
    }

    @Nested
    class HostFiles {
        @Test
        void readableFileChecksExistenceAndKind(@TempDir Path dir) throws Exception {
            Path real = Files.writeString(dir.resolve("ca.crt"), "x");
            ConfigReader reader = new ConfigReader("f.yml", HostPaths.HOST);
            Section s = Section.root(reader, new org.yaml.snakeyaml.Yaml().compose(new java.io.StringReader(
                "a_file: " + real + "\nb_file: " + dir.resolve("missing.crt") + "\nc_file: " + dir + "\n")));
            assertTrue(s.readableFile("a_file").isPresent());
            s.readableFile("b_file");
            s.readableFile("c_file");
            s.finish();
            assertEquals(List.of(
                "f.yml:2:9: b_file: file \"" + dir.resolve("missing.crt") + "\" does not exist",
                "f.yml:3:9: c_file: \"" + dir + "\" is a directory, expected a file"),
                reader.errors().stream().map(ConfigError::toString).toList());
        }

        @Test
        void rootfsPrefixesHostPaths(@TempDir Path dir) throws Exception {
            Files.createDirectories(dir.resolve("etc/ssl"));
            Files.writeString(dir.resolve("etc/ssl/ca.crt"), "x");
            ConfigReader reader = new ConfigReader("f.yml", HostPaths.of(dir.toString()));
            Section s = Section.root(reader, new org.yaml.snakeyaml.Yaml().compose(new java.io.StringReader(
                "ca_file: /etc/ssl/ca.crt\n")));
            assertEquals(dir.resolve("etc/ssl/ca.crt"), s.readableFile("ca_file").orElseThrow());
            assertFalse(reader.hasErrors());
        }
    }
}
