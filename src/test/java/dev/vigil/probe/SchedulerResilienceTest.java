package dev.vigil.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler against values and probes that used to kill it or leak secrets. */
class SchedulerResilienceTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final List<Scheduler> schedulers = new ArrayList<>();

    @AfterEach
    void stop() {
        schedulers.forEach(Scheduler::close);
    }

    private Scheduler scheduler(Function<String, Probe> probes) {
        Scheduler s = new Scheduler(new ProbeKinds(List.of(new FakeKind(probes))), HostPaths.HOST);
        schedulers.add(s);
        return s;
    }

    private static VigilConfig config(Function<String, Probe> probes, String yaml) throws Exception {
        return new ConfigLoader(new ProbeKinds(List.of(new FakeKind(probes))), HostPaths.HOST).parse("t.yml", yaml);
    }

    private static TargetState state(Scheduler s, String name) {
        return s.states().stream().filter(t -> t.target().name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aTimeoutThatOverflowsKillsNeitherTheDispatcherNorOtherTargets() throws Exception {
        AtomicInteger healthyRuns = new AtomicInteger();
        Function<String, Probe> probes = n -> d -> {
            healthyRuns.incrementAndGet();
            return ProbeResult.ok(List.of(), Map.of());
        };
        Scheduler s = scheduler(probes);
        Timing now = new Timing(Duration.ofMillis(100), Duration.ofMillis(100), Duration.ZERO);
        // a value no validator lets through any more; the scheduler must survive it anyway
        Timing overflow = new Timing(Duration.ofMillis(100), Duration.ofDays(200_000), Duration.ZERO);
        s.apply(new VigilConfig("t", now, 4, List.of(new Target("fake", "overflow", overflow, ""),
            new Target("fake", "healthy", now, ""))));
        assertTrue(s.await(() -> healthyRuns.get() >= 3 && s.internalErrors() >= 1, WAIT));
        assertTrue(s.failure().isEmpty(), "the dispatcher is alive");
        int before = healthyRuns.get();
        assertTrue(s.await(() -> healthyRuns.get() >= before + 3, WAIT), "other targets keep running");
    }

    @Test
    void anUnexpectedExceptionIsShownWithoutItsMessage() throws Exception {
        Function<String, Probe> probes = n -> d -> {
            throw new IllegalArgumentException("invalid header value: \"Bearer PLANTED-SECRET\"");
        };
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: leaky, interval: 1m}\n"));
        assertTrue(s.await(() -> state(s, "leaky").last() != null, WAIT));
        ProbeResult r = state(s, "leaky").last().result();
        assertEquals("error", r.reason());
        assertFalse(r.message().contains("PLANTED"), r.message());
        assertTrue(r.message().startsWith("unexpected IllegalArgumentException at "), r.message());
    }

    @Test
    void aConfigurationWhoseProbeCannotBeCreatedChangesNothing() throws Exception {
        Function<String, Probe> probes = n -> {
            if (n.equals("broken")) {
                throw new IllegalStateException("cannot create");
            }
            return d -> ProbeResult.ok(List.of(), Map.of());
        };
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: old, interval: 1m}\n"));
        List<TargetState> before = s.states();
        assertThrows(IllegalStateException.class, () -> s.apply(config(probes,
            "fake:\n  jitter: 0s\n  targets:\n    - {target: fresh, interval: 1m}\n    - {target: broken, interval: 1m}\n")));
        assertSame(before, s.states(), "all or nothing: the running targets stay");
        assertFalse(before.get(0).retired, "the old target still runs");
    }

    @Test
    void labelValuesAndSeriesOfEveryKindAreCappedAndCounted() throws Exception {
        String huge = "i".repeat(20_000);
        Function<String, Probe> probes = n -> d -> {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < SeriesLimits.MAX_SERIES_PER_TARGET + 5; i++) {
                samples.add(FakeKind.VALUE.sample(i, i < 3 ? huge + i : "t" + i));
            }
            return ProbeResult.ok(samples, Map.of());
        };
        Scheduler s = scheduler(probes);
        s.apply(config(probes, "fake:\n  jitter: 0s\n  targets:\n    - {target: big, interval: 1m}\n"));
        assertTrue(s.await(() -> state(s, "big").last() != null, WAIT));
        TargetSnapshot snap = state(s, "big").last();
        assertEquals(SeriesLimits.MAX_SERIES_PER_TARGET, snap.result().samples().size());
        assertEquals(5, snap.seriesDropped());
        assertEquals(3, snap.labelValuesTruncated());
        String first = snap.result().samples().get(0).labelValues().get(0);
        assertEquals(SeriesLimits.MAX_LABEL_VALUE_LENGTH, first.length());
        assertTrue(first.endsWith("..."));
    }
}
