package dev.vigil.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * A YAML mapping read key by key into typed values. Every accessor records the key as known; {@link #finish()} then
 * reports the keys nobody asked for as unknown, with a "did you mean" when one is close. Errors never throw: they are
 * reported to the {@link ConfigReader} and a default is returned, so that one load finds every problem.
 */
public final class Section {
    private final ConfigReader reader;
    private final String path;
    private final Node node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> known = new LinkedHashSet<>();
    /** Set when the component this section describes is not installed (its {@code when_present} paths are missing). */
    private boolean componentAbsent;

    Section(ConfigReader reader, String path, Node node) {
        this.reader = reader;
        this.path = path;
        this.node = node;
        if (node instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode key) {
                    if (entries.putIfAbsent(key.getValue(), tuple) != null) {
                        reader.error(key, child(key.getValue()), "duplicate key");
                    }
                } else {
                    reader.error(tuple.getKeyNode(), path, "keys must be plain strings");
                }
            }
        } else if (node != null && !isNull(node)) {
            reader.error(node, path, "expected a mapping of keys to values, got " + describe(node));
        }
    }

    /** The top-level section of a document. */
    public static Section root(ConfigReader reader, Node node) {
        return new Section(reader, "", node);
    }

    public ConfigReader reader() {
        return reader;
    }

    public String path() {
        return path;
    }

    /** The node of this mapping, for errors about the whole section; null when the section is absent. */
    public Node node() {
        return node;
    }

    public boolean isPresent() {
        return node != null && !isNull(node);
    }

    public boolean has(String key) {
        known.add(key);
        NodeTuple t = entries.get(key);
        return t != null && !isNull(t.getValueNode());
    }

    /** Declares keys as known without reading them (keys read by a later pass). */
    public void expect(String... keys) {
        known.addAll(List.of(keys));
    }

    public Optional<String> string(String key) {
        Node value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ScalarNode scalar)) {
            reader.error(value, child(key), "expected a string, got " + describe(value));
            return Optional.empty();
        }
        return Optional.of(scalar.getValue());
    }

    public String string(String key, String dflt) {
        return string(key).orElse(dflt);
    }

    /** A string that must be present and not empty; reports "missing required key" otherwise. */
    public String requiredString(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            if (entries.get(key) == null || isNull(entries.get(key).getValueNode())) {
                reader.error(entries.containsKey(key) ? entries.get(key).getKeyNode() : node, child(key),
                    "missing required key");
            }
            return "";
        }
        if (s.get().isBlank()) {
            error(key, "must not be empty");
            return "";
        }
        return s.get();
    }

    /** One of a fixed set of words, reported with the allowed values when it is anything else. */
    public String choice(String key, String dflt, List<String> allowed) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return dflt;
        }
        if (!allowed.contains(s.get())) {
            error(key, "\"" + s.get() + "\" is not one of " + String.join(", ", allowed)
                + DidYouMean.suggest(s.get(), allowed));
            return dflt;
        }
        return s.get();
    }

    /**
     * A duration within {@code [min, max]}; outside, an error names the bounds. Every duration option declares its
     * bounds, so no value the validator lets through can overflow a scheduler or flood a log.
     */
    public Optional<Duration> duration(String key, Duration min, Duration max) {
        Optional<String> s = scalarText(key, "a duration (e.g. 30s)");
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Duration d;
        try {
            d = Durations.parse(s.get());
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return Optional.empty();
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            error(key, "must be between " + Durations.format(min) + " and " + Durations.format(max) + ", got "
                + s.get().trim());
            return Optional.empty();
        }
        return Optional.of(d);
    }

    public Duration duration(String key, Duration dflt, Duration min, Duration max) {
        return duration(key, min, max).orElse(dflt);
    }

    /** A size in bytes within {@code [min, max]}; outside, an error names the bounds. */
    public long size(String key, long dflt, long min, long max) {
        Optional<String> s = scalarText(key, "a size (e.g. 10MiB)");
        if (s.isEmpty()) {
            return dflt;
        }
        long v;
        try {
            v = Sizes.parse(s.get());
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return dflt;
        }
        if (v < min || v > max) {
            error(key, "must be between " + Sizes.format(min) + " and " + Sizes.format(max) + ", got " + s.get().trim());
            return dflt;
        }
        return v;
    }

    public int integer(String key, int dflt, int min, int max) {
        Optional<String> s = scalarText(key, "an integer");
        if (s.isEmpty()) {
            return dflt;
        }
        try {
            int v = Integer.parseInt(s.get().trim());
            if (v < min || v > max) {
                error(key, "must be between " + min + " and " + max + ", got " + v);
                return dflt;
            }
            return v;
        } catch (NumberFormatException e) {
            error(key, "expected an integer, got \"" + s.get() + "\"");
            return dflt;
        }
    }

    public double number(String key, double dflt, double min, double max) {
        Optional<String> s = scalarText(key, "a number");
        if (s.isEmpty()) {
            return dflt;
        }
        try {
            double v = Double.parseDouble(s.get().trim());
            if (!(v >= min && v <= max)) {
                error(key, "must be between " + min + " and " + max + ", got " + s.get());
                return dflt;
            }
            return v;
        } catch (NumberFormatException e) {
            error(key, "expected a number, got \"" + s.get() + "\"");
            return dflt;
        }
    }

    public boolean bool(String key, boolean dflt) {
        Node value = value(key);
        if (value == null) {
            return dflt;
        }
        if (value instanceof ScalarNode scalar && Tag.BOOL.equals(scalar.getTag())) {
            return Boolean.parseBoolean(scalar.getValue().toLowerCase(java.util.Locale.ROOT));
        }
        reader.error(value, child(key), "expected true or false, got " + describe(value));
        return dflt;
    }

    /** A list of strings; a single string is taken as a list of one. */
    public List<String> strings(String key) {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof ScalarNode scalar) {
            return List.of(scalar.getValue());
        }
        if (!(value instanceof SequenceNode seq)) {
            reader.error(value, child(key), "expected a list of strings, got " + describe(value));
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node item = seq.getValue().get(i);
            if (item instanceof ScalarNode s && !isNull(s)) {
                out.add(s.getValue());
            } else {
                reader.error(item, child(key) + "[" + i + "]", "expected a string, got " + describe(item));
            }
        }
        return List.copyOf(out);
    }

    /**
     * A host path that must name a readable file (the {@code *_file} keys: certificates, keys, passwords). The check
     * runs at load so that a typo fails {@code check-config}, not the first probe an hour later.
     */
    public Optional<Path> readableFile(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty()) {
            return Optional.empty();
        }
        Path p = reader.hostPaths().resolve(s.get());
        if (componentAbsent) {
            return Optional.of(p);
        }
        if (!Files.exists(p)) {
            error(key, "file \"" + s.get() + "\" does not exist");
        } else if (Files.isDirectory(p)) {
            error(key, "\"" + s.get() + "\" is a directory, expected a file");
        } else if (!Files.isReadable(p)) {
            error(key, "file \"" + s.get() + "\" is not readable by this user");
        }
        return Optional.of(p);
    }

    /**
     * Marks the component this section describes as not installed on this node at load time: its file checks wait,
     * since the files come with the component (a worker has no k3s server CA).
     */
    public void componentAbsent() {
        componentAbsent = true;
    }

    /** A nested mapping; an absent key gives an empty section. */
    public Section section(String key) {
        return new Section(reader, child(key), value(key));
    }

    /** A list of mappings, such as a list of targets. */
    public List<Section> sections(String key) {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof SequenceNode seq)) {
            reader.error(value, child(key), "expected a list, got " + describe(value));
            return List.of();
        }
        List<Section> out = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node item = seq.getValue().get(i);
            String itemPath = child(key) + "[" + i + "]";
            if (item instanceof MappingNode) {
                out.add(new Section(reader, itemPath, item));
            } else {
                reader.error(item, itemPath, "expected a mapping of keys to values, got " + describe(item));
            }
        }
        return out;
    }

    /** Reports an error located at the value of {@code key} (or at this section when the key is absent). */
    public void error(String key, String message) {
        NodeTuple t = entries.get(key);
        reader.error(t != null ? t.getValueNode() : node, key.isEmpty() ? path : child(key), message);
    }

    /** Reports every key of this mapping that no accessor asked for. */
    public void finish() {
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (!known.contains(e.getKey())) {
                reader.error(e.getValue().getKeyNode(), child(e.getKey()),
                    "unknown key" + DidYouMean.suggest(e.getKey(), known));
            }
        }
    }

    public String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private Node value(String key) {
        known.add(key);
        NodeTuple t = entries.get(key);
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        return t.getValueNode();
    }

    private Optional<String> scalarText(String key, String expected) {
        Node value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ScalarNode scalar)) {
            reader.error(value, child(key), "expected " + expected + ", got " + describe(value));
            return Optional.empty();
        }
        return Optional.of(scalar.getValue());
    }

    static boolean isNull(Node n) {
        return n instanceof ScalarNode s && Tag.NULL.equals(s.getTag());
    }

    static String describe(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (isNull(n)) {
            return "nothing (null)";
        }
        return "\"" + ((ScalarNode) n).getValue() + "\"";
    }
}
