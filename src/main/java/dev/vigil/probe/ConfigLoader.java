package dev.vigil.probe;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigFiles;
import dev.vigil.config.ConfigReader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.config.UrlCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
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
 * Loads the YAML configuration into a {@link VigilConfig}, or fails with every error found: the agent's settings here,
 * each kind's section by the kind that {@link ProbeKinds} found (the YAML primitives live in {@code dev.vigil.config},
 * which knows nothing of probes). YAML is composed into
 * nodes (never into arbitrary objects), so positions survive into the messages and no tag can instantiate a class.
 */
public final class ConfigLoader {
    public static final String EMBEDDED_NAME = "<embedded>";
    public static final String EMBEDDED_RESOURCE = "/vigil-default.yml";
    static final int MAX_CONCURRENCY_LIMIT = 4096;

    private final ProbeKinds kinds;
    private final HostPaths hostPaths;

    public ConfigLoader(ProbeKinds kinds, HostPaths hostPaths) {
        this.kinds = kinds;
        this.hostPaths = hostPaths;
    }

    public VigilConfig load(Path file) throws ConfigException {
        return parse(file.toString(), ConfigFiles.read(file, ConfigFiles.MAX_CONFIG_BYTES));
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
                checkSpec(t);
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

    /** A target of an unknown kind, or with a spec its kind does not declare, is a bug of a kind: fail loudly. */
    private void checkSpec(Target t) {
        ProbeKind kind = kinds.get(t.kind()).orElseThrow(() -> new IllegalStateException(
            "target " + t.key() + " names a kind that is not registered"));
        if (!kind.specType().isInstance(t.spec())) {
            throw new IllegalStateException("target " + t.key() + " has a spec of type "
                + (t.spec() == null ? "null" : t.spec().getClass().getName()) + ", but kind " + kind.name()
                + " declares " + kind.specType().getName());
        }
    }

}
