package dev.vigil.probe;

import java.time.Duration;

/**
 * The point in time by which a probe run must be over. Probes split it into phase budgets (resolve, connect,
 * handshake, read) with {@link #budget}; the scheduler enforces it from the outside as well.
 */
public final class Deadline {
    private final long startNanos;
    private final long endNanos;

    private Deadline(long startNanos, long endNanos) {
        this.startNanos = startNanos;
        this.endNanos = endNanos;
    }

    public static Deadline after(Duration timeout) {
        long now = System.nanoTime();
        return new Deadline(now, now + timeout.toNanos());
    }

    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, endNanos - System.nanoTime()));
    }

    public boolean expired() {
        return System.nanoTime() - endNanos >= 0;
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** The time a phase may take: the remaining time, capped at {@code cap}; at least 1 ms so it is never "forever". */
    public int budgetMillis(Duration cap) {
        long ms = Math.min(remaining().toMillis(), cap.toMillis());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    public int remainingMillis() {
        return budgetMillis(Duration.ofMillis(Integer.MAX_VALUE));
    }

    /** Throws {@link ProbeFailure} with {@code reason} when no time is left. */
    public void check(String reason) throws ProbeFailure {
        if (expired()) {
            throw new ProbeFailure(reason, "deadline exceeded");
        }
    }

    public Duration budget(Duration cap) {
        return Duration.ofMillis(budgetMillis(cap));
    }
}
