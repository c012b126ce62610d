package dev.vigil.probe;

import java.util.List;

/**
 * A probe kind for tests and benchmarks: no reasons of its own, plain-string settings, not in the embedded default.
 * Implementations give only their name, parsing, probes and metrics.
 */
public interface TestProbeKind extends ProbeKind {
    @Override
    default List<String> reasons() {
        return List.of();
    }

    @Override
    default Class<?> specType() {
        return String.class;
    }

    @Override
    default List<String> commandLineExample() {
        return List.of(name());
    }

    @Override
    default boolean inDefaultConfiguration() {
        return false;
    }
}
