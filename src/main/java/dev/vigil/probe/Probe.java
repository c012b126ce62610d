package dev.vigil.probe;

/**
 * One target's prober. The scheduler creates it once per target and keeps it across reloads while the target is
 * unchanged, so it may hold state between runs (counters, the previous observation). Runs of one probe never
 * overlap.
 *
 * <p>{@link #run} must respect the deadline in every blocking call (socket timeouts from
 * {@link Deadline#budgetMillis}); the scheduler also interrupts the thread at the deadline and reports
 * {@code timeout}, so a probe that ignores it only wastes a thread.
 */
public interface Probe extends AutoCloseable {
    /**
     * Probes the target once. Expected failures are thrown as {@link ProbeFailure} or returned as a failed result
     * (to keep the facts gathered before the failure); anything else thrown is reported as reason {@code error}.
     */
    ProbeResult run(Deadline deadline) throws Exception;

    /** Releases what the probe holds between runs (threads, files); called when its target is removed or changed. */
    @Override
    default void close() {
    }
}
