package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * The state of one configuration load: which file is read and every error found so far. Readers of sections report
 * into it and carry on, so a single run of {@code check-config} shows every problem at once.
 */
public final class ConfigReader {
    private final String file;
    private final HostPaths hostPaths;
    private final List<ConfigError> errors = new ArrayList<>();

    public ConfigReader(String file, HostPaths hostPaths) {
        this.file = file;
        this.hostPaths = hostPaths;
    }

    public String file() {
        return file;
    }

    public HostPaths hostPaths() {
        return hostPaths;
    }

    public void error(Node at, String path, String message) {
        int line = 0;
        int column = 0;
        if (at != null) {
            Mark mark = at.getStartMark();
            if (mark != null) {
                line = mark.getLine() + 1;
                column = mark.getColumn() + 1;
            }
        }
        errors.add(new ConfigError(file, line, column, path, UrlCredentials.redact(message)));
    }

    public void error(int line, int column, String path, String message) {
        errors.add(new ConfigError(file, line, column, path, UrlCredentials.redact(message)));
    }

    public List<ConfigError> errors() {
        return List.copyOf(errors);
    }

    public boolean hasErrors() {
        return !errors.isEmpty();
    }
}
