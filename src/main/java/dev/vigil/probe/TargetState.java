package dev.vigil.probe;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A scheduled target: its probe, its latest snapshot and its counters. Kept across reloads while the target is
 * unchanged, so counters and probe state survive a reload.
 */
public final class TargetState {
    private final Target target;
    private final Probe probe;
    private final ConcurrentHashMap<String, LongAdder> failures;
    /** The sum of {@link #failures}, shared with it: moves whenever they do, so readers can cache what they render. */
    private final AtomicLong failedRuns;
    private final AtomicLong skipped;
    private final AtomicLong skipStreak = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean();
    final AtomicLong runs = new AtomicLong();
    volatile ScheduledFuture<?> schedule;
    volatile boolean retired;
    /** Part of the first configuration; counted once toward the first round when it has a result or is retired. */
    volatile boolean initial;
    final AtomicBoolean initialCounted = new AtomicBoolean();
    private volatile TargetSnapshot last;

    TargetState(Target target, Probe probe, TargetState previousOfSameKey) {
        this.target = target;
        this.probe = probe;
        // A changed target (same kind and name, new settings) keeps its counters so rate() sees no reset.
        this.failures = previousOfSameKey != null ? previousOfSameKey.failures : new ConcurrentHashMap<>();
        this.failedRuns = previousOfSameKey != null ? previousOfSameKey.failedRuns : new AtomicLong();
        this.skipped = previousOfSameKey != null ? previousOfSameKey.skipped : new AtomicLong();
    }

    public Target target() {
        return target;
    }

    Probe probe() {
        return probe;
    }

    /** The latest finished run, or null before the first one. */
    public TargetSnapshot last() {
        return last;
    }

    void publish(TargetSnapshot snapshot) {
        last = snapshot;
        if (!snapshot.result().success() && !snapshot.result().isAbsent()) {
            failures.computeIfAbsent(snapshot.result().reason(), r -> new LongAdder()).increment();
            failedRuns.incrementAndGet();
        }
    }

    /** Failed runs by reason since the agent started, in reason order. */
    public Map<String, Long> failures() {
        Map<String, Long> out = new TreeMap<>();
        failures.forEach((reason, count) -> out.put(reason, count.sum()));
        return out;
    }

    /**
     * Failed runs since the agent started, all reasons together: unchanged exactly while {@link #failures()} is, and
     * read without building a map (a changed count read before the map means the map is at least as new).
     */
    public long failedRuns() {
        return failedRuns.get();
    }

    /** Runs not started because the previous one was still in flight (a stuck probe or a saturated limit). */
    public long skippedRuns() {
        return skipped.get();
    }

    /** Counts a skipped run; returns its place in the current streak of skips (1 for the first). */
    long skip() {
        skipped.incrementAndGet();
        return skipStreak.incrementAndGet();
    }

    void endSkipStreak() {
        skipStreak.set(0);
    }

    public boolean isRunning() {
        return running.get();
    }
}
