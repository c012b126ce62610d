package dev.vigil.probe;

/**
 * An expected failure of a probe (a target down, refusing, lying): a bounded {@code reason} for the metric label and a
 * message for people. Not a bug, so it is logged without a stack trace.
 */
public class ProbeFailure extends Exception {
    private final String reason;

    public ProbeFailure(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public ProbeFailure(String reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
