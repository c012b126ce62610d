package dev.vigil.metrics;

import dev.vigil.config.ConfigError;
import java.util.List;

/**
 * The outcome of the latest configuration (re)load, immutable.
 *
 * @param successful      whether the latest attempt was applied
 * @param lastSuccessMillis when a configuration was last applied, ms since the epoch
 * @param reloads         reload attempts after the initial load
 * @param failures        reload attempts that were refused
 * @param errors          the errors of the latest attempt (empty on success)
 * @param source          the file of the running configuration
 */
public record ReloadStatus(boolean successful, long lastSuccessMillis, long reloads, long failures,
                           List<ConfigError> errors, String source) {
    public ReloadStatus {
        errors = List.copyOf(errors);
    }
}
