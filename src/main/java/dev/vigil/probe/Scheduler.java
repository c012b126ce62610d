package dev.vigil.probe;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every target on its own interval, at most {@code max_concurrent_probes} at once, each within its deadline.
 *
 * <p>A run starts when the dispatcher gets a permit. At the deadline a watchdog publishes a {@code timeout} verdict,
 * frees the permit and interrupts the worker: a probe stuck in a call that ignores interruption keeps its thread (it
 * is counted in {@link #abandonedRuns()}) but holds up neither the permit nor other targets. The next run of such a
 * target is skipped, and counted, until the stuck one returns.
 *
 * <p>Silent targets must not delay healthy ones. Two rules see to it: runs of targets whose last run timed out wait
 * behind every other queued run (a healthy target waits for the next free slot, not for a queue of dead ones), and a
 * run still going after {@link #SLOW_AFTER} ({@link #SLOW_AFTER_SILENT} for a target whose last run timed out; a
 * healthy handshake or read takes milliseconds) gives its slot back and waits for its deadline in a slow lane of
 * {@link #SLOW_LANE_FACTOR} times {@code max_concurrent_probes} (threads blocked on sockets that cost no CPU), so the
 * fast lane stays free for targets that answer.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    static final String TIMEOUT = ProbeResult.TIMEOUT;
    static final String ERROR = ProbeResult.ERROR;

    private final ProbeKinds kinds;
    private final HostPaths hostPaths;
    private final ScheduledExecutorService timer;
    private final ExecutorService workers;
    /** After this long a run leaves the fast lane for the slow one, if the slow one has room. */
    static final Duration SLOW_AFTER = Duration.ofSeconds(1);
    /** The same for a target whose last run timed out: it is expected to hang again. */
    static final Duration SLOW_AFTER_SILENT = Duration.ofMillis(100);
    static final int SLOW_LANE_FACTOR = 4;
    private final PriorityBlockingQueue<Queued> queue = new PriorityBlockingQueue<>();
    private final AtomicLong queuedSeq = new AtomicLong();
    private final ResizableSemaphore slowPermits = new ResizableSemaphore();
    private final AtomicInteger slowInFlight = new AtomicInteger();
    private final ResizableSemaphore permits = new ResizableSemaphore();
    private final Thread dispatcher;
    private final AtomicInteger abandoned = new AtomicInteger();
    private final AtomicLong internalErrors = new AtomicLong();
    private volatile String dispatcherDeath;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ResultStore store = new ResultStore();
    private int maxConcurrent;

    public Scheduler(ProbeKinds kinds, HostPaths hostPaths) {
        this.kinds = kinds;
        this.hostPaths = hostPaths;
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("vigil-timer"));
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
        // threads are reused for 5 minutes: creating one per run churns stacks and malloc arenas
        this.workers = new java.util.concurrent.ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.MINUTES,
            new java.util.concurrent.SynchronousQueue<>(), daemon("vigil-probe"));
        this.dispatcher = daemon("vigil-dispatch").newThread(this::dispatchLoop);
        this.dispatcher.start();
    }

    /**
     * Makes the running targets those of {@code config}: unchanged targets keep their state and schedule, removed
     * ones stop (a run in flight finishes unseen), new and changed ones start after a random jitter.
     */
    public synchronized void apply(VigilConfig config) {
        if (closed.get()) {
            throw new IllegalStateException("scheduler is closed");
        }
        Map<Target, TargetState> current = new HashMap<>();
        Map<String, TargetState> currentByKey = new HashMap<>();
        for (TargetState s : store.states()) {
            current.put(s.target(), s);
            currentByKey.put(s.target().key(), s);
        }
        List<TargetState> next = new ArrayList<>();
        List<TargetState> started = new ArrayList<>();
        // all or nothing: every new probe is created before anything running changes; one that fails undoes the rest
        try {
            for (Target t : config.targets()) {
                TargetState kept = current.remove(t);
                if (kept != null) {
                    next.add(kept);
                    continue;
                }
                ProbeKind kind = kinds.get(t.kind())
                    .orElseThrow(() -> new IllegalArgumentException("unknown kind " + t.kind()));
                TargetState fresh = new TargetState(t, kind.create(t, hostPaths), currentByKey.get(t.key()));
                next.add(fresh);
                started.add(fresh);
            }
        } catch (RuntimeException | Error e) {
            started.forEach(Scheduler::closeQuietly);
            throw e;
        }
        permits.resize(config.maxConcurrentProbes() - maxConcurrent);
        slowPermits.resize(SLOW_LANE_FACTOR * (config.maxConcurrentProbes() - maxConcurrent));
        maxConcurrent = config.maxConcurrentProbes();
        for (TargetState gone : current.values()) {
            gone.retired = true;
            store.settledInitial(gone);
            if (gone.schedule != null) {
                gone.schedule.cancel(false);
            }
            closeQuietly(gone);
        }
        store.replace(next);
        for (TargetState s : started) {
            Duration interval = s.target().timing().interval();
            long jitterMs = Math.min(s.target().timing().jitter().toMillis(), interval.toMillis());
            long delay = jitterMs <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterMs);
            s.schedule = timer.scheduleAtFixedRate(() -> trigger(s), delay, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
        store.changed();
    }

    /** The latest results, for the scrape, the status page and readiness: read without any lock shared with probes. */
    public ResultStore results() {
        return store;
    }

    /** The targets now configured, each with its latest snapshot. */
    public List<TargetState> states() {
        return store.states();
    }

    /** Changes whenever a result is published or the targets change; lets readers cache what they derive. */
    public long version() {
        return store.version();
    }

    /** True once every target of the first configuration has finished a run. */
    public boolean firstRoundDone() {
        return store.firstRoundDone();
    }

    /** Waits until every target of the first configuration has a result (or was removed); false on timeout. */
    public boolean awaitFirstRound(Duration timeout) throws InterruptedException {
        return store.awaitFirstRound(timeout);
    }

    /** Waits until {@code condition} holds, re-checking it whenever a result is published (see {@link ResultStore}). */
    public boolean await(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        return store.await(condition, timeout);
    }

    /** Runs cut at their deadline whose thread has still not returned. */
    public int abandonedRuns() {
        return abandoned.get();
    }

    /** Runs waiting for a concurrency permit. */
    public int queuedRuns() {
        return queue.size();
    }

    public int maxConcurrent() {
        return maxConcurrent;
    }

    /** Runs past their slow threshold that gave their slot back and wait for their deadline in the slow lane. */
    public int slowRuns() {
        return slowInFlight.get();
    }

    /** A run waiting for a slot: the targets whose last run timed out go last, the others in the order they came. */
    private record Queued(TargetState state, boolean timedOut, long seq) implements Comparable<Queued> {
        @Override
        public int compareTo(Queued o) {
            return timedOut != o.timedOut ? Boolean.compare(timedOut, o.timedOut) : Long.compare(seq, o.seq);
        }
    }

    /** Triggers an immediate run of every target (for tests and the {@code probe} command). */
    public void runAllNow() {
        for (TargetState s : store.states()) {
            trigger(s);
        }
    }

    private void trigger(TargetState s) {
        try {
            if (s.retired || closed.get()) {
                return;
            }
            if (!s.running.compareAndSet(false, true)) {
                // one line per change of state: the first skip of a streak, not every one of them
                if (s.skip() == 1) {
                    LOG.atWarn().addKeyValue("kind", s.target().kind()).addKeyValue("target", s.target().name())
                        .log("run skipped: the previous run is still in flight (further skips are counted, not logged)");
                }
                store.changed();
                return;
            }
            s.endSkipStreak();
            TargetSnapshot last = s.last();
            boolean timedOut = last != null && TIMEOUT.equals(last.result().reason());
            queue.add(new Queued(s, timedOut, queuedSeq.incrementAndGet()));
        } catch (RuntimeException | Error e) {
            // an exception escaping a periodic task would cancel the target's schedule without a word
            internalError("trigger", e);
        }
    }

    private void dispatchLoop() {
        try {
            while (!closed.get()) {
                TargetState s;
                try {
                    s = queue.take().state();
                    if (s.retired) {
                        s.running.set(false);
                        continue;
                    }
                    permits.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    start(s);
                } catch (RuntimeException e) {
                    // one run that cannot start must not stop every other target
                    internalError("start", e);
                    s.running.set(false);
                }
            }
        } catch (Throwable t) {
            dispatcherDeath = UnexpectedError.describe(t);
            LOG.atError().addKeyValue("error", dispatcherDeath).setCause(UnexpectedError.scrub(t))
                .log("scheduler dispatch thread died: no target runs any more; /ready fails until the agent is restarted");
            throw t;
        }
    }

    /** Counts and logs a failure inside the scheduler itself (not of a probe). */
    private void internalError(String where, Throwable e) {
        internalErrors.incrementAndGet();
        LOG.atError().addKeyValue("where", where).addKeyValue("error", UnexpectedError.describe(e))
            .setCause(UnexpectedError.scrub(e)).log("scheduler internal error");
    }

    /** Why the scheduler can no longer run targets, or empty while it can. */
    public java.util.Optional<String> failure() {
        String death = dispatcherDeath;
        if (death == null && !dispatcher.isAlive() && !closed.get()) {
            death = "dispatch thread ended";
        }
        return java.util.Optional.ofNullable(death);
    }

    /** Failures inside the scheduler itself since start (each also logged). */
    public long internalErrors() {
        return internalErrors.get();
    }

    private void start(TargetState s) {
        Duration timeout;
        Deadline deadline;
        try {
            timeout = s.target().timing().timeout();
            deadline = Deadline.after(timeout);
            timeout.toNanos(); // fails here, not after the run started, on a value no validator should have let through
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        Run run = new Run(s, System.nanoTime());
        try {
            run.future = workers.submit(() -> run.execute(deadline));
        } catch (RuntimeException e) {
            permits.release();
            s.running.set(false);
            if (!(e instanceof java.util.concurrent.RejectedExecutionException) || !closed.get()) {
                throw e;
            }
            return;
        }
        try {
            run.watchdog = timer.schedule(run::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
            TargetSnapshot last = s.last();
            Duration slowAfter = last != null && TIMEOUT.equals(last.result().reason()) ? SLOW_AFTER_SILENT : SLOW_AFTER;
            if (timeout.compareTo(slowAfter) > 0) {
                run.slowCheck = timer.schedule(run::toSlowLane, slowAfter.toNanos(), TimeUnit.NANOSECONDS);
            }
        } catch (RuntimeException e) {
            if (!closed.get()) {
                internalError("watchdog", e);
            }
        }
    }

    private static final int FAST = 0;
    private static final int SLOW = 1;
    private static final int DONE = 2;

    /** One run of one target; the first of completion and deadline settles it. */
    private final class Run {
        private final TargetState state;
        private final long startNanos;
        private final AtomicBoolean settled = new AtomicBoolean();
        /** Which slot the run holds: FAST (a permit), SLOW (a slow-lane permit) or DONE (released). */
        private final AtomicInteger lane = new AtomicInteger(FAST);
        volatile Future<?> future;
        volatile java.util.concurrent.ScheduledFuture<?> watchdog;
        volatile java.util.concurrent.ScheduledFuture<?> slowCheck;

        Run(TargetState state, long startNanos) {
            this.state = state;
            this.startNanos = startNanos;
        }

        void execute(Deadline deadline) {
            ProbeResult result;
            try {
                List<String> whenPresent = state.target().timing().whenPresent();
                result = whenPresent.isEmpty() || Presence.anyExists(hostPaths, whenPresent)
                    ? state.probe().run(deadline)
                    : ProbeResult.absent("not installed on this node: none of " + String.join(", ", whenPresent)
                        + " exists");
                if (result == null) {
                    result = ProbeResult.failed(ERROR, "probe returned no result");
                }
            } catch (ProbeFailure f) {
                result = ProbeResult.failed(f.reason(), f.getMessage());
            } catch (InterruptedException e) {
                result = ProbeResult.failed(TIMEOUT, "interrupted at the deadline");
            } catch (Exception | LinkageError | AssertionError e) {
                if (!settled.get()) {
                    LOG.atError().addKeyValue("kind", state.target().kind()).addKeyValue("target", state.target().name())
                        .addKeyValue("error", UnexpectedError.describe(e)).setCause(UnexpectedError.scrub(e))
                        .log("probe raised an unexpected exception");
                }
                result = ProbeResult.failed(ERROR, UnexpectedError.describe(e));
            } finally {
                Thread.interrupted();
            }
            boolean mine = settle(result, (System.nanoTime() - startNanos) / 1e9);
            if (!mine) {
                abandoned.decrementAndGet();
            }
            state.running.set(false);
            if (watchdog != null) {
                watchdog.cancel(false);
            }
            if (slowCheck != null) {
                slowCheck.cancel(false);
            }
        }

        /** Still running after {@link #SLOW_AFTER}: trade the fast slot for a slow-lane one, when there is one free. */
        void toSlowLane() {
            if (!slowPermits.tryAcquire()) {
                return;
            }
            if (lane.compareAndSet(FAST, SLOW)) {
                slowInFlight.incrementAndGet();
                permits.release();
            } else {
                slowPermits.release();
            }
        }

        /** Gives back whichever slot the run holds, once. */
        private void releaseSlot() {
            int was = lane.getAndSet(DONE);
            if (was == FAST) {
                permits.release();
            } else if (was == SLOW) {
                slowInFlight.decrementAndGet();
                slowPermits.release();
            }
        }

        void expire() {
            Duration timeout = state.target().timing().timeout();
            if (settle(ProbeResult.failed(TIMEOUT, "no result within the timeout of " + timeout.toMillis() + " ms"),
                timeout.toNanos() / 1e9)) {
                abandoned.incrementAndGet();
                Future<?> f = future;
                if (f != null) {
                    f.cancel(true);
                }
            }
        }

        private boolean settle(ProbeResult result, double seconds) {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            releaseSlot();
            if (state.retired) {
                return true;
            }
            TargetSnapshot previous = state.last();
            SeriesLimits.Limited limited = SeriesLimits.apply(result);
            store.publish(state, new TargetSnapshot(limited.result(), System.currentTimeMillis(), seconds,
                state.runs.incrementAndGet(), limited.labelValuesTruncated(), limited.seriesDropped()));
            logTransition(previous, result);
            return true;
        }

        private void logTransition(TargetSnapshot previous, ProbeResult result) {
            boolean wasOk = previous == null || previous.result().success();
            String previousReason = previous == null ? "" : previous.result().reason();
            if (result.isAbsent()) {
                if (!previousReason.equals(ProbeResult.ABSENT)) {
                    LOG.atInfo().addKeyValue("kind", state.target().kind()).addKeyValue("target", state.target().name())
                        .addKeyValue("reason", result.reason()).log(result.message());
                }
            } else if (result.success() && !wasOk) {
                LOG.atInfo().addKeyValue("kind", state.target().kind()).addKeyValue("target", state.target().name())
                    .log("probe recovered");
            } else if (!result.success() && (wasOk || !previousReason.equals(result.reason()))) {
                LOG.atWarn().addKeyValue("kind", state.target().kind()).addKeyValue("target", state.target().name())
                    .addKeyValue("reason", result.reason()).addKeyValue("error", result.message())
                    .log("probe failed");
            }
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (TargetState s : store.states()) {
            s.retired = true;
            closeQuietly(s);
        }
        timer.shutdownNow();
        dispatcher.interrupt();
        workers.shutdownNow();
    }

    private static void closeQuietly(TargetState s) {
        try {
            s.probe().close();
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("target", s.target().name()).addKeyValue("error", e.toString()).log("probe close failed");
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A semaphore whose size follows {@code max_concurrent_probes} across reloads. */
    private static final class ResizableSemaphore extends Semaphore {
        ResizableSemaphore() {
            super(0);
        }

        void resize(int delta) {
            if (delta > 0) {
                release(delta);
            } else if (delta < 0) {
                reducePermits(-delta);
            }
        }
    }
}
