package dev.vigil.config;

import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Target;
import dev.vigil.probe.Timing;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads the YAML configuration into a {@link VigilConfig}, or fails with every error found. YAML is composed into
 * nodes (never into arbitrary objects), so positions survive into the messages and no tag can instantiate a class.
 */
public final class ConfigLoader {
    public static final String EMBEDDED_NAME = "<embedded>";
    public static final String EMBEDDED_RESOURCE = "/vigil-default.yml";
    static final int MAX_CONCURRENCY_LIMIT = 4096;
    /** The largest configuration file read (a real one is a few KiB). */
    public static final int MAX_CONFIG_BYTES = 1 << 20;

    private final ProbeKinds kinds;
    private final HostPaths hostPaths;

    public ConfigLoader(ProbeKinds kinds, HostPaths hostPaths) {
        this.kinds = kinds;
        this.hostPaths = hostPaths;
    }

    public VigilConfig load(Path file) throws ConfigException {
        return parse(file.toString(), read(file, MAX_CONFIG_BYTES));
    }

    /**
     * Reads a configuration file of at most {@code maxBytes}. Only a regular file is opened: a FIFO or a device would
     * block the reader (or never end), and the size is checked while reading, so a huge file costs no more memory than
     * the limit.
     */
    public static String read(Path file, int maxBytes) throws ConfigException {
        String text;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw single(file.toString(), Files.isDirectory(file) ? "is a directory, expected a file"
                    : "is not a regular file (a FIFO, socket or device); refused so that reading cannot block");
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(maxBytes + 1);
            }
            if (bytes.length > maxBytes) {
                throw single(file.toString(), "file is larger than " + Sizes.format(maxBytes)
                    + ", the limit of a configuration file");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(file.toString(), "file does not exist");
        } catch (AccessDeniedException e) {
            throw single(file.toString(), "file is not readable by this user");
        } catch (IOException e) {
            throw single(file.toString(), "cannot read: " + e.getClass().getSimpleName());
        }
        return text;
    }

    public VigilConfig loadEmbedded() throws ConfigException {
        return parse(EMBEDDED_NAME, embeddedText());
    }

    public static String embeddedText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("embedded configuration " + EMBEDDED_RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the embedded configuration", e);
        }
    }

    /** Parses configuration text; {@code name} is what error messages call the file. */
    public VigilConfig parse(String name, String text) throws ConfigException {
        ConfigReader reader = new ConfigReader(name, hostPaths);
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(50);
            options.setAllowDuplicateKeys(true); // reported by Section with a position instead
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            reader.error(mark == null ? 0 : mark.getLine() + 1, mark == null ? 0 : mark.getColumn() + 1, "",
                "invalid YAML: " + problem.trim());
            throw new ConfigException(reader.errors());
        } catch (YAMLException e) {
            reader.error(0, 0, "", "invalid YAML: " + e.getMessage());
            throw new ConfigException(reader.errors());
        }

        UrlCredentials.check(reader, root);
        Section top = Section.root(reader, root);
        Section defaultsSection = top.section("defaults");
        Timing defaults = Timing.read(defaultsSection, Timing.BUILT_IN);
        defaultsSection.finish();

        Section agent = top.section("agent");
        int maxConcurrent = agent.integer("max_concurrent_probes", 32, 1, MAX_CONCURRENCY_LIMIT);
        agent.finish();

        List<Target> targets = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ProbeKind kind : kinds.all()) {
            if (kind.section().isEmpty()) {
                continue; // its targets come from another kind's section
            }
            Section section = top.section(kind.section());
            for (Target t : kind.parse(section, defaults)) {
                if (seen.putIfAbsent(t.key(), t.name()) != null) {
                    section.error("", "target \"" + t.name() + "\" is configured twice for kind " + kind.name()
                        + " (give one of them a distinct name)");
                } else {
                    targets.add(t);
                }
            }
        }
        top.finish();
        if (reader.hasErrors()) {
            throw new ConfigException(reader.errors());
        }
        return new VigilConfig(name, defaults, maxConcurrent, targets);
    }

    static ConfigException single(String file, String message) {
        return new ConfigException(List.of(new ConfigError(file, 0, 0, "", message)));
    }
}
