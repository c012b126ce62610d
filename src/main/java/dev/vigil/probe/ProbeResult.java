package dev.vigil.probe;

import java.util.List;
import java.util.Map;

/**
 * What one run of a probe found. A failed run still carries every fact it gathered ({@code samples}), so a certificate
 * that fails verification keeps its expiry on {@code /metrics}.
 *
 * @param success whether the target is healthy as far as this probe can tell
 * @param reason  a bounded word: {@code ok} on success, else one documented per kind (e.g. {@code connect_refused})
 * @param message a sentence for people (status page, logs, CLI); never a metric label
 * @param samples the kind's metrics for this target
 * @param details facts for the status page and the {@code probe} command, in display order
 */
public record ProbeResult(boolean success, String reason, String message, List<Sample> samples,
                          Map<String, String> details) {
    public static final String OK = "ok";
    /** No result by the deadline (the scheduler's verdict, or a probe's own for a phase that ran out of time). */
    public static final String TIMEOUT = "timeout";
    /** A bug: the probe raised an unexpected exception. */
    public static final String ERROR = "error";
    /** Reasons every kind may report; a kind declares only its own ({@link ProbeKind#reasons()}). */
    public static final List<String> COMMON_REASONS = List.of(OK, TIMEOUT, ERROR);
    /** The component is not installed on this node ({@code when_present}): not a failure, and no kind series. */
    public static final String ABSENT = "absent";

    public ProbeResult {
        samples = List.copyOf(samples);
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }

    public static ProbeResult ok(List<Sample> samples, Map<String, String> details) {
        return new ProbeResult(true, OK, "", samples, details);
    }

    public static ProbeResult failed(String reason, String message, List<Sample> samples, Map<String, String> details) {
        return new ProbeResult(false, reason, message, samples, details);
    }

    /** The result of a target whose component is not installed on this node; nothing is probed. */
    public static ProbeResult absent(String message) {
        return new ProbeResult(false, ABSENT, message, List.of(), Map.of());
    }

    /** True for a component that is not installed on this node: neither up nor down. */
    public boolean isAbsent() {
        return ABSENT.equals(reason);
    }

    public static ProbeResult failed(String reason, String message) {
        return new ProbeResult(false, reason, message, List.of(), Map.of());
    }
}
