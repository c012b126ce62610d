package dev.vigil.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<Scheduler> schedulers = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        schedulers.forEach(Scheduler::close);
    }

    private Scheduler scheduler(Function<String, Probe> probes) {
        Scheduler s = new Scheduler(kinds(probes), HostPaths.HOST);
        schedulers.add(s);
        return s;
    }

    private static ProbeKinds kinds(Function<String, Probe> probes) {
        return new ProbeKinds(List.of(new FakeKind(probes)));
    }

    private static VigilConfig config(Function<String, Probe> probes, String yaml) throws Exception {
        return new ConfigLoader(kinds(probes), HostPaths.HOST).parse("test.yml", yaml);
    }

    private static TargetState state(Scheduler s, String name) {
        return s.states().stream().filter(t -> t.target().name().equals(name)).findFirst().orElseThrow();
    }

    private static Probe ok() {
        return d -> ProbeResult.ok(List.of(), Map.of());
    }

    /** A probe that blocks in an interruptible wait that would never end on its own. */
    private Probe hangsInterruptibly() {
        return d -> {
            new CountDownLatch(1).await();
            return ProbeResult.ok(List.of(), Map.of());
        };
    }

    /** A probe stuck in a call that ignores interruption, until the test releases it. */
    private Probe ignoresInterruption(AtomicInteger stuck) {
        return d -> {
            stuck.incrementAndGet();
            boolean done = false;
            while (!done) {
                try {
                    done = release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    // deliberately deaf to interruption, like a blocking native call
                }
            }
            stuck.decrementAndGet();
            return ProbeResult.ok(List.of(), Map.of());
        };
    }

    @Test
    void aProbeThatNeverReturnsIsCutAtItsDeadlineWithReasonTimeout() throws Exception {
        Function<String, Probe> probes = n -> hangsInterruptibly();
        Scheduler s = scheduler(probes);
        long start = System.nanoTime();
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: hang, interval: 1m, timeout: 300ms}\n"));
        assertTrue(s.await(() -> state(s, "hang").last() != null, WAIT));
        double elapsed = (System.nanoTime() - start) / 1e9;
        TargetSnapshot snap = state(s, "hang").last();
        assertFalse(snap.result().success());
        assertEquals("timeout", snap.result().reason());
        assertEquals(0.3, snap.durationSeconds(), 1e-9);
        assertTrue(elapsed >= 0.3, "verdict came before the deadline: " + elapsed);
        assertTrue(elapsed < 5, "verdict came long after the deadline: " + elapsed);
        assertEquals(Map.of("timeout", 1L), state(s, "hang").failures());
        // the interrupted worker returns, so nothing stays abandoned
        assertTrue(s.await(() -> s.abandonedRuns() == 0 && !state(s, "hang").isRunning(), WAIT));
    }

    @Test
    void aStuckProbeDelaysNeitherOtherProbesNorTheScrape() throws Exception {
        AtomicInteger stuck = new AtomicInteger();
        AtomicInteger fastRuns = new AtomicInteger();
        Function<String, Probe> probes = n -> n.equals("stuck") ? ignoresInterruption(stuck) : d -> {
            fastRuns.incrementAndGet();
            return ProbeResult.ok(List.of(FakeKind.VALUE.sample(1, n)), Map.of());
        };
        Scheduler s = scheduler(probes);
        // one permit only: if the stuck run kept it, the fast target could never run again
        s.apply(config(probes, """
            agent: {max_concurrent_probes: 1}
            fake:
              jitter: 0s
              targets:
                - {target: stuck, interval: 10m, timeout: 200ms}
                - {target: fast, interval: 100ms, timeout: 100ms}
            """));
        assertTrue(s.await(() -> state(s, "stuck").last() != null, WAIT));
        assertEquals("timeout", state(s, "stuck").last().result().reason());
        int before = fastRuns.get();
        assertTrue(s.await(() -> fastRuns.get() >= before + 5, WAIT), "fast target starved by the stuck one");
        assertEquals(1, stuck.get(), "the stuck probe should still be stuck");
        assertEquals(1, s.abandonedRuns());

        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new VigilCollector(s, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "t"),
            new BuildInfo("v", "r", "17")));
        long t0 = System.nanoTime();
        String text = new String(new Exposition(registry).render("text/plain", null).bytes(), StandardCharsets.UTF_8);
        double scrapeSeconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, stuck.get(), "scrape rendered while the probe is stuck");
        assertTrue(text.contains("vigil_probe_success{kind=\"fake\",target=\"stuck\"} 0.0"), text);
        assertTrue(text.contains("vigil_scheduler_abandoned_runs 1.0"), text);
        assertTrue(scrapeSeconds < 2, "scrape took " + scrapeSeconds + " s");
    }

    /**
     * 12 silent targets that each hold a run for its whole 2 s timeout every 6 s need the 4 slots allowed all the time:
     * they would keep every slot busy and a healthy target on a 200 ms interval would wait behind them.
     * Their runs leave the fast lane after 1 s and, once they have timed out, queue behind healthy targets.
     */
    @Test
    void silentTargetsDoNotStarveAHealthyOne() throws Exception {
        AtomicInteger healthyRuns = new AtomicInteger();
        Function<String, Probe> probes = n -> n.equals("healthy") ? d -> {
            healthyRuns.incrementAndGet();
            return ProbeResult.ok(List.of(), Map.of());
        } : hangsInterruptibly();
        Scheduler s = scheduler(probes);
        StringBuilder yaml = new StringBuilder("agent: {max_concurrent_probes: 4}\nfake:\n  jitter: 0s\n  targets:\n"
            + "    - {target: healthy, interval: 200ms, timeout: 200ms}\n");
        for (int i = 0; i < 12; i++) {
            yaml.append("    - {target: silent").append(i).append(", interval: 6s, timeout: 2s}\n");
        }
        s.apply(config(probes, yaml.toString()));
        // past the first round of timeouts: from now on the silent targets are known to be silent
        assertTrue(s.await(() -> s.states().stream().filter(t -> t.target().name().startsWith("silent"))
            .allMatch(t -> t.last() != null), WAIT));
        int before = healthyRuns.get();
        long skippedBefore = state(s, "healthy").skippedRuns();
        long t0 = System.nanoTime();
        assertTrue(s.await(() -> healthyRuns.get() >= before + 20, WAIT), "the healthy target waited behind the silent ones");
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 20 runs on a 200 ms interval take 4 s when nothing delays them; behind the silent targets they took over 10 s
        assertTrue(seconds < 8, "20 healthy runs took " + seconds + " s");
        assertTrue(state(s, "healthy").skippedRuns() - skippedBefore <= 2,
            "healthy runs skipped: " + (state(s, "healthy").skippedRuns() - skippedBefore));
        assertTrue(s.slowRuns() <= 4 * Scheduler.SLOW_LANE_FACTOR, "the slow lane is bounded: " + s.slowRuns());
    }

    @Test
    void runsOfAStuckTargetAreSkippedAndCounted() throws Exception {
        AtomicInteger stuck = new AtomicInteger();
        Function<String, Probe> probes = n -> ignoresInterruption(stuck);
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: stuck, interval: 100ms, timeout: 50ms}\n"));
        assertTrue(s.await(() -> state(s, "stuck").skippedRuns() >= 2, WAIT));
        assertEquals(1, stuck.get(), "a second run of the same target started while the first was stuck");
        release.countDown();
        assertTrue(s.await(() -> s.abandonedRuns() == 0, WAIT));
    }

    @Test
    void concurrencyLimitHolds() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Function<String, Probe> probes = n -> d -> {
            int now = inFlight.incrementAndGet();
            maxSeen.accumulateAndGet(now, Math::max);
            try {
                // hold the permit long enough for the others to pile up behind it
                return release.await(30, TimeUnit.MILLISECONDS) ? null : ProbeResult.ok(List.of(), Map.of());
            } finally {
                inFlight.decrementAndGet();
                done.incrementAndGet();
            }
        };
        StringBuilder yaml = new StringBuilder("agent: {max_concurrent_probes: 3}\nfake:\n  jitter: 0s\n  targets:\n");
        for (int i = 0; i < 12; i++) {
            yaml.append("    - {target: t").append(i).append(", interval: 1m}\n");
        }
        Scheduler s = scheduler(probes);
        s.apply(config(probes, yaml.toString()));
        assertTrue(s.await(s::firstRoundDone, WAIT));
        assertEquals(12, done.get());
        assertEquals(3, maxSeen.get());
    }

    @Test
    void firstRunsAreSpreadByJitter() throws Exception {
        Map<String, Long> firstRunAt = new ConcurrentHashMap<>();
        Function<String, Probe> probes = n -> d -> {
            firstRunAt.putIfAbsent(n, System.nanoTime());
            return ProbeResult.ok(List.of(), Map.of());
        };
        StringBuilder yaml = new StringBuilder("fake:\n  jitter: 2s\n  interval: 1m\n  targets:\n");
        for (int i = 0; i < 30; i++) {
            yaml.append("    - {target: t").append(i).append("}\n");
        }
        Scheduler s = scheduler(probes);
        s.apply(config(probes, yaml.toString()));
        assertTrue(s.await(s::firstRoundDone, WAIT));
        long spreadMs = (Collections.max(firstRunAt.values()) - Collections.min(firstRunAt.values())) / 1_000_000;
        // 30 uniform starts in [0, 2 s): all within 500 ms has a probability below 1e-17
        assertTrue(spreadMs > 500, "first runs not spread: " + spreadMs + " ms");
        assertTrue(spreadMs < 2500, "first runs spread beyond the jitter: " + spreadMs + " ms");
    }

    @Test
    void reloadKeepsUnchangedTargetsAndTheirCountersAndReplacesChangedOnes() throws Exception {
        Function<String, Probe> probes = n -> d -> ProbeResult.failed("refused", "no");
        Scheduler s = scheduler(probes);
        s.apply(config(probes, """
            fake:
              jitter: 0s
              targets:
                - {target: same, interval: 100ms}
                - {target: changed, interval: 100ms, setting: a}
                - {target: removed, interval: 100ms}
            """));
        assertTrue(s.await(() -> s.states().stream().allMatch(t -> t.failures().getOrDefault("refused", 0L) >= 2), WAIT));
        TargetState same = state(s, "same");
        TargetState changed = state(s, "changed");
        long sameFailures = same.failures().get("refused");

        s.apply(config(probes, """
            fake:
              jitter: 0s
              targets:
                - {target: same, interval: 100ms}
                - {target: changed, interval: 100ms, setting: b}
                - {target: added, interval: 100ms}
            """));
        assertSame(same, state(s, "same"));
        assertNotSame(changed, state(s, "changed"));
        assertEquals(List.of("same", "changed", "added"), s.states().stream().map(t -> t.target().name()).toList());
        assertTrue(state(s, "changed").failures().get("refused") >= 2, "a changed target keeps its counters");
        assertTrue(s.await(() -> same.failures().get("refused") > sameFailures + 1, WAIT), "unchanged target stopped");
        assertTrue(s.await(() -> state(s, "added").last() != null, WAIT));
    }

    @Test
    void exceptionsBecomeReasonErrorAndProbeFailuresKeepTheirReason() throws Exception {
        Function<String, Probe> probes = n -> n.equals("bug") ? d -> {
            throw new IllegalStateException("boom");
        } : d -> {
            throw new ProbeFailure("connect_refused", "refused");
        };
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: bug}\n    - {target: down}\n"));
        assertTrue(s.await(s::firstRoundDone, WAIT));
        assertEquals("error", state(s, "bug").last().result().reason());
        assertEquals("connect_refused", state(s, "down").last().result().reason());
        assertEquals("refused", state(s, "down").last().result().message());
    }

    @Test
    void readyOnlyAfterEveryTargetRanOnce() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Function<String, Probe> probes = n -> n.equals("slow") ? d -> {
            gate.await();
            return ProbeResult.ok(List.of(), Map.of());
        } : ok() ;
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: slow}\n    - {target: quick}\n"));
        assertTrue(s.await(() -> state(s, "quick").last() != null, WAIT));
        assertFalse(s.firstRoundDone());
        gate.countDown();
        assertTrue(s.await(s::firstRoundDone, WAIT));
    }

    @Test
    void aTargetRemovedBeforeItsFirstResultNoLongerHoldsTheFirstRound() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        Function<String, Probe> probes = n -> n.equals("stuck") ? d -> {
            gate.await();
            return ProbeResult.ok(List.of(), Map.of());
        } : ok();
        Scheduler s = scheduler(probes);
        try {
            s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: stuck}\n    - {target: quick}\n"));
            assertTrue(s.await(() -> state(s, "quick").last() != null, WAIT));
            assertFalse(s.awaitFirstRound(Duration.ofMillis(50)), "the stuck target holds the first round");
            s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: quick}\n"));
            assertTrue(s.awaitFirstRound(WAIT));
            assertTrue(s.firstRoundDone());
        } finally {
            gate.countDown();
        }
    }

    @Test
    void aComponentNotInstalledIsAbsentNotDownAndIsProbedOnceItAppears(@org.junit.jupiter.api.io.TempDir java.nio.file.Path root)
        throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Function<String, Probe> probes = name -> d -> {
            runs.incrementAndGet();
            return ProbeResult.failed("refused", "nothing listens", List.of(FakeKind.VALUE.sample(1, name)), Map.of());
        };
        Scheduler s = new Scheduler(kinds(probes), new HostPaths(root));
        schedulers.add(s);
        s.apply(new ConfigLoader(kinds(probes), new HostPaths(root)).parse("test.yml", """
            fake:
              jitter: 0s
              interval: 100ms
              targets:
                - {target: etcd, when_present: [/var/lib/rancher/k3s/server, /etc/kubernetes/manifests/etcd.yaml]}
            """));
        assertTrue(s.await(() -> state(s, "etcd").runs.get() >= 2, WAIT));
        assertTrue(state(s, "etcd").last().result().isAbsent());
        assertEquals(0, runs.get(), "an absent component is not probed");
        assertEquals(Map.of(), state(s, "etcd").failures(), "absent is not a failure");
        String text = scrape(s);
        assertTrue(text.contains("vigil_probe_present{kind=\"fake\",target=\"etcd\"} 0.0"), text);
        assertFalse(text.contains("vigil_probe_success{kind=\"fake\",target=\"etcd\"}"), text);
        assertFalse(text.contains("vigil_fake_value{"), text);

        java.nio.file.Files.createDirectories(root.resolve("etc/kubernetes/manifests"));
        java.nio.file.Files.writeString(root.resolve("etc/kubernetes/manifests/etcd.yaml"), "kind: Pod\n");
        assertTrue(s.await(() -> !state(s, "etcd").last().result().isAbsent(), WAIT));
        String after = scrape(s);
        assertTrue(after.contains("vigil_probe_present{kind=\"fake\",target=\"etcd\"} 1.0"), after);
        assertTrue(after.contains("vigil_probe_success{kind=\"fake\",target=\"etcd\"} 0.0"), after);
        assertTrue(after.contains("vigil_fake_value{target=\"etcd\"} 1.0"), after);
    }

    @Test
    void whenPresentMustNameAbsoluteHostPaths() {
        Function<String, Probe> probes = name -> ok();
        dev.vigil.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
            dev.vigil.config.ConfigException.class, () -> config(probes,
                "fake:\n  targets:\n    - {target: a, when_present: relative/dir}\n"));
        assertTrue(e.getMessage().contains("fake.targets[0].when_present"), e.getMessage());
        assertTrue(e.getMessage().contains("not an absolute host path"), e.getMessage());
    }

    private static String scrape(Scheduler s) throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new VigilCollector(s, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "t"),
            new BuildInfo("v", "r", "17")));
        return new String(new Exposition(registry).render("text/plain", null).bytes(), StandardCharsets.UTF_8);
    }
}
