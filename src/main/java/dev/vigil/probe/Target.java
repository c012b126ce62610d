package dev.vigil.probe;

/**
 * A configured target: its kind, the name it carries in the {@code target} label, its timing and the kind's own
 * settings ({@code spec}, a record). Two targets are the same, across a reload, when all four are equal.
 */
public record Target(String kind, String name, Timing timing, Object spec) {
    public String key() {
        return kind + "/" + name;
    }
}
