package dev.vigil.probe;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The latest result of every configured target, for readers that never block a probe: the scrape, the status page,
 * readiness, the {@code probe} command and tests. The target list is swapped whole on a reload, each target's snapshot
 * is immutable and swapped on publish, and a version counter lets readers cache what they derive until it moves.
 * Waiting readers are woken on publish; with none (the agent's case) a publish takes no lock.
 */
public final class ResultStore {
    private volatile List<TargetState> states = List.of();
    private final AtomicLong version = new AtomicLong();
    private final Object published = new Object();
    private final AtomicInteger waiters = new AtomicInteger();
    /** Targets of the first configuration without a result yet (nor retired): the readiness of the agent. */
    private final AtomicInteger initialPending = new AtomicInteger();
    private final CountDownLatch firstRound = new CountDownLatch(1);
    private volatile boolean applied;

    /** The targets now configured, each with its latest snapshot. */
    public List<TargetState> states() {
        return states;
    }

    /** Changes whenever a result is published or the targets change. */
    public long version() {
        return version.get();
    }

    /** Makes {@code next} the configured targets; the first time, they are the first round readiness waits for. */
    void replace(List<TargetState> next) {
        states = List.copyOf(next);
        if (!applied) {
            states.forEach(st -> st.initial = true);
            if (initialPending.addAndGet(states.size()) == 0) {
                firstRound.countDown();
            }
            applied = true;
        }
        changed();
    }

    /** A target's new result: readers see it at once, waiters are woken. */
    void publish(TargetState state, TargetSnapshot snapshot) {
        state.publish(snapshot);
        changed();
        settledInitial(state);
        if (waiters.get() > 0) {
            synchronized (published) {
                published.notifyAll();
            }
        }
    }

    /** Something readers derive from changed (a skipped run, a reload). */
    void changed() {
        version.incrementAndGet();
    }

    /** A target of the first configuration has a result or was removed: one less to wait for. */
    void settledInitial(TargetState s) {
        if (s.initial && s.initialCounted.compareAndSet(false, true) && initialPending.decrementAndGet() == 0) {
            firstRound.countDown();
        }
    }

    /** True once every target of the first configuration has finished a run. */
    public boolean firstRoundDone() {
        return applied && firstRound.getCount() == 0;
    }

    /** Waits until every target of the first configuration has a result (or was removed); false on timeout. */
    public boolean awaitFirstRound(Duration timeout) throws InterruptedException {
        return firstRound.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Waits until {@code condition} holds, re-checking it whenever a result is published; false when {@code timeout}
     * passes first. For the {@code probe} command and for tests, which must not sleep and hope.
     */
    public boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        waiters.incrementAndGet();
        try {
            synchronized (published) {
                while (!condition.getAsBoolean()) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(published, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                }
            }
            return true;
        } finally {
            waiters.decrementAndGet();
        }
    }
}
