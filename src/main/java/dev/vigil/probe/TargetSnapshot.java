package dev.vigil.probe;

/**
 * The outcome of a target's latest finished run; immutable, published by a single volatile write, read by scrapes
 * without locks.
 *
 * @param result          what the probe reported (or the scheduler's {@code timeout} verdict)
 * @param finishedAtMillis wall-clock time the run ended, ms since the epoch
 * @param durationSeconds how long the run took (the timeout for runs cut at their deadline)
 * @param runNumber       1 for the first run of this target
 * @param labelValuesTruncated label values of the result cut by {@link SeriesLimits}
 * @param seriesDropped   series of the result left out by {@link SeriesLimits}
 */
public record TargetSnapshot(ProbeResult result, long finishedAtMillis, double durationSeconds, long runNumber,
                             int labelValuesTruncated, int seriesDropped) {
    public TargetSnapshot(ProbeResult result, long finishedAtMillis, double durationSeconds, long runNumber) {
        this(result, finishedAtMillis, durationSeconds, runNumber, 0, 0);
    }
}
