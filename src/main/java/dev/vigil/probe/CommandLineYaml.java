package dev.vigil.probe;

/** Quoting of command-line values into YAML, so "30s", "true" or "a: b" keep their meaning as YAML scalars. */
public final class CommandLineYaml {
    private CommandLineYaml() {
    }

    /** Leaves durations, numbers and booleans plain (so they type-check as such), quotes everything else. */
    public static String quote(String value) {
        if (value.matches("[A-Za-z0-9_.\\-]+") && !value.isEmpty()) {
            return value;
        }
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
