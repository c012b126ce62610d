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
    /** The {@code kind} label value (and, unless {@link #section()} says otherwise, the configuration section). */
    String name();

    /** The top-level configuration section of the kind; the kind's name unless the section reads better in plural. */
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
     * The YAML of this kind's section for the {@code probe KIND TARGET --option value} command, which then goes
     * through the ordinary parser and its error messages. Options come with dashes turned into underscores.
     */
    default String commandLineSection(String target, java.util.Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("targets:\n  - target: ").append(CommandLineYaml.quote(target)).append('\n');
        options.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }
}
