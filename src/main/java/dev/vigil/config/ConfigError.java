package dev.vigil.config;

/**
 * One problem in a configuration file, located precisely enough for an editor to jump to it.
 *
 * @param file   the file as given by the user (or {@code <embedded>})
 * @param line   1-based line, 0 when unknown
 * @param column 1-based column, 0 when unknown
 * @param path   the key path, such as {@code tls.targets[2].timeout}
 * @param message what is wrong, one sentence without a trailing period
 */
public record ConfigError(String file, int line, int column, String path, String message) {

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(file);
        if (line > 0) {
            out.append(':').append(line).append(':').append(column);
        }
        out.append(": ");
        if (!path.isEmpty()) {
            out.append(path).append(": ");
        }
        return out.append(message).toString();
    }
}
