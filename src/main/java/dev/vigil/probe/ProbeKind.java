package dev.vigil.probe;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import java.util.List;

/**
 * A kind of probe: one package ({@code tls}, {@code etcd}, ...) implements this and is listed once in
 * {@link ProbeKinds}. The kind owns its configuration section, its metric declarations and the creation of per-target
 * probes; the scheduler owns deadlines, concurrency and the common per-target metrics.
 */
public interface ProbeKind {
    /** The {@code kind} label value. */
    String name();

    /**
     * The top-level configuration section; the kind's name unless the section holds a plural ({@code backups}).
     * Empty for a kind whose targets another kind's section declares ({@code vip} in {@code keepalived:}).
     */
    default String section() {
        return name();
    }

    /**
     * Reads the kind's section into targets. Report problems through the section ({@link Section#error}) and call
     * {@link Section#finish()} on every mapping read, so unknown keys are caught.
     */
    List<Target> parse(Section section, Timing defaults);

    /** Creates the prober of one target (called once per target, again only when the target changes). */
    Probe create(Target target, HostPaths hostPaths);

    /** Every metric family the kind may emit (for documentation and tests). */
    List<MetricFamily> metrics();

    /**
     * The kind's own failure reasons, each documented: the bounded values of the {@code reason} label of its
     * targets. The common ones ({@link ProbeResult#COMMON_REASONS}: {@code ok}, {@code timeout}, {@code error}) are the
     * core's and not repeated here.
     */
    List<String> reasons();

    /**
     * The type of the {@link Target#spec() spec} of this kind's targets. The loader checks every target against it, so
     * a kind reads its spec with {@link Target#spec(Class)} and never meets another type.
     */
    Class<?> specType();

    /**
     * Arguments of {@code vigil probe KIND ...} that run quickly on any machine against something local (a closed
     * port, a missing file): a result, failed or not, within seconds. The README's examples and a test use them.
     */
    List<String> commandLineExample();

    /**
     * Whether the embedded default configuration probes this kind wherever its component is installed (a test holds
     * the declaration against the embedded default on a node that has every component).
     */
    boolean inDefaultConfiguration();

    /**
     * The YAML of this kind's section for the {@code probe KIND TARGET --option value} command, which then goes
     * through the ordinary parser and its error messages. Options come with dashes turned into underscores. Throws
     * {@link IllegalArgumentException} with a sentence for a target the kind cannot take (a command-line error).
     */
    default String commandLineConfig(String target, java.util.Map<String, String> options) {
        StringBuilder yaml = new StringBuilder(section()).append(":\n");
        commandLineSection(target, options).lines().forEach(l -> yaml.append("  ").append(l).append('\n'));
        return yaml.toString();
    }

    /** The section part of {@link #commandLineConfig}: by default one entry of {@code targets:}. */
    default String commandLineSection(String target, java.util.Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("targets:\n  - target: ").append(CommandLineYaml.quote(target)).append('\n');
        options.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }
}
