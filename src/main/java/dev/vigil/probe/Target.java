package dev.vigil.probe;

/**
 * A configured target: its kind, the name it carries in the {@code target} label, its timing and the kind's own
 * settings ({@code spec}, a record). Two targets are the same, across a reload, when all four are equal.
 */
public record Target(String kind, String name, Timing timing, Object spec) {
    /** The spec as the type its kind declares ({@link ProbeKind#specType()}), which the loader has checked. */
    public <S> S spec(Class<S> type) {
        if (!type.isInstance(spec)) {
            throw new IllegalStateException("target " + key() + " has a spec of type "
                + (spec == null ? "null" : spec.getClass().getName()) + ", not " + type.getName());
        }
        return type.cast(spec);
    }

    public String key() {
        return kind + "/" + name;
    }
}
