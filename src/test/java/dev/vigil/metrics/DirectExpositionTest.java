package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.TestProbeKind;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The agent renders its collector straight to text (cached per target); the Prometheus client's writers render the
 * same collector as snapshots. Both must say the same thing, in both formats, compressed or not, before and after
 * results change.
 */
class DirectExpositionTest {
    static final MetricFamily G = MetricFamily.gauge("vigil_t_value", "A \"gauge\" with \\ and\nnewline.", "target", "zeta", "alpha");
    static final MetricFamily C = MetricFamily.counter("vigil_t_events_total", "Events.", "target");
    static final MetricFamily I = MetricFamily.info("vigil_t_cert_info", "Facts.", "target", "subject");
    /** No target label: every target reports the same series; the first one wins. */
    static final MetricFamily SHARED = MetricFamily.gauge("vigil_t_cluster_size", "Shared.", "cluster");
    static final AtomicInteger RUN = new AtomicInteger();

    static final class TestKind implements TestProbeKind {
        @Override
        public String name() {
            return "t";
        }

        @Override
        public List<Target> parse(Section section, Timing defaults) {
            TargetList out = new TargetList();
            for (Section t : section.sections("targets")) {
                out.add(t, new Target("t", t.requiredString("target"), Timing.read(t, defaults), ""));
                t.finish();
            }
            section.finish();
            return out.toList();
        }


        @Override
        public Probe create(Target target, HostPaths hostPaths) {
            return d -> {
                int run = RUN.incrementAndGet();
                List<Sample> s = new ArrayList<>();
                String n = target.name();
                s.add(G.sample(Double.NaN, n, "a\"b\\c\nd", "é ü 漢"));
                s.add(G.sample(Double.POSITIVE_INFINITY, n, "inf", ""));
                s.add(G.sample(Double.NEGATIVE_INFINITY, n, "ninf", ""));
                s.add(G.sample(-0.0, n, "zero", ""));
                s.add(G.sample(1.7e9 + run, n, "big", ""));
                s.add(G.sample(1e-9, n, "small", ""));
                s.add(G.sample(42, n, "small", "")); // a repeated series: the first value stays
                s.add(C.sample(run, n));
                s.add(I.sample(1, n, "CN=" + n + ",O=\"x\""));
                s.add(SHARED.sample(run, "c1"));
                return n.endsWith("1") ? ProbeResult.failed("connect_refused", "no", s, Map.of())
                    : ProbeResult.ok(s, Map.of());
            };
        }

        @Override
        public List<MetricFamily> metrics() {
            return List.of(G, C, I, SHARED);
        }
    }

    @Test
    void directRenderingSaysWhatTheClientsWritersSay() throws Exception {
        ProbeKinds kinds = new ProbeKinds(List.of(new TestKind()));
        StringBuilder yaml = new StringBuilder("defaults: {interval: 1h, jitter: 0s}\nt:\n  targets:\n");
        for (int i = 0; i < 30; i++) {
            yaml.append("    - {target: \"node-").append(i).append("\"}\n");
        }
        try (Scheduler scheduler = new Scheduler(kinds, HostPaths.HOST)) {
            scheduler.apply(new ConfigLoader(kinds, HostPaths.HOST).parse("t.yml", yaml.toString()));
            assertTrue(scheduler.awaitFirstRound(Duration.ofSeconds(30)));
            BuildInfo build = new BuildInfo("1.0", "abc", "17");
            VigilCollector collector = new VigilCollector(scheduler,
                () -> new ReloadStatus(true, 1_700_000_000_123L, 2, 1, List.of(), "t.yml"), build);
            PrometheusRegistry viaClient = new PrometheusRegistry();
            viaClient.register(collector);
            Exposition reference = new Exposition(viaClient);
            Exposition direct = new Exposition(new PrometheusRegistry(), collector);
            for (int round = 0; round < 3; round++) {
                for (String accept : List.of("text/plain", "application/openmetrics-text; version=1.0.0")) {
                    String want = new String(reference.render(accept, null).bytes(), StandardCharsets.UTF_8);
                    Exposition.Body plain = direct.render(accept, null);
                    String got = new String(plain.bytes(), StandardCharsets.UTF_8);
                    assertEquals(families(want), families(got), accept);
                    assertEquals(want.endsWith("# EOF\n"), got.endsWith("# EOF\n"));
                    assertTrue(!got.substring(0, got.length() - 6).contains("# EOF"), "one EOF, at the end");
                    Exposition.Body gz = direct.render(accept, "gzip");
                    assertTrue(gz.gzipped());
                    byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(gz.bytes())).readAllBytes();
                    assertEquals(got, new String(unzipped, StandardCharsets.UTF_8), "gzip of " + accept);
                }
                long want = round + 2;
                scheduler.runAllNow();
                assertTrue(scheduler.await(() -> scheduler.states().stream()
                    .allMatch(s -> s.last().runNumber() >= want), Duration.ofSeconds(30)));
            }
        }
    }

    /**
     * The targets' text is written into the buffer of the previous pass once no scrape sends it any more: a body still
     * being sent (not released) keeps its bytes while later scrapes see new results, in both formats.
     */
    @Test
    void aBodyStillBeingSentKeepsItsBytesWhileLaterScrapesSeeNewResults() throws Exception {
        ProbeKinds kinds = new ProbeKinds(List.of(new TestKind()));
        StringBuilder yaml = new StringBuilder("defaults: {interval: 1h, jitter: 0s}\nt:\n  targets:\n");
        for (int i = 0; i < 20; i++) {
            yaml.append("    - {target: \"node-").append(i).append("\"}\n");
        }
        try (Scheduler scheduler = new Scheduler(kinds, HostPaths.HOST)) {
            scheduler.apply(new ConfigLoader(kinds, HostPaths.HOST).parse("t.yml", yaml.toString()));
            assertTrue(scheduler.awaitFirstRound(Duration.ofSeconds(30)));
            VigilCollector collector = new VigilCollector(scheduler,
                () -> new ReloadStatus(true, 1_700_000_000_123L, 2, 1, List.of(), "t.yml"), new BuildInfo("1", "a", "17"));
            Exposition direct = new Exposition(new PrometheusRegistry(), collector);
            for (String encoding : new String[] {null, "gzip"}) {
                Exposition.Body held = direct.render("text/plain", encoding);
                byte[] asRendered = io.netty.buffer.ByteBufUtil.getBytes(held.content());
                for (int round = 0; round < 3; round++) {
                    long want = scheduler.states().get(0).last().runNumber() + 1;
                    assertTrue(scheduler.await(() -> scheduler.states().stream().noneMatch(s -> s.isRunning()),
                        Duration.ofSeconds(30)));
                    scheduler.runAllNow();
                    assertTrue(scheduler.await(() -> scheduler.states().stream()
                        .allMatch(s -> s.last().runNumber() >= want), Duration.ofSeconds(30)));
                    byte[] later = direct.render("text/plain", encoding).bytes();
                    assertTrue(!java.util.Arrays.equals(asRendered, later), "the results changed");
                }
                assertArrayEquals(asRendered, held.bytes(), "the held body, encoding " + encoding);
            }
        }
    }

    /** Family → its header lines and its sample lines (sorted: the order of samples within a family is free). */
    static Map<String, List<String>> families(String body) {
        Map<String, List<String>> out = new TreeMap<>();
        String current = null;
        List<String> samples = null;
        for (String line : body.split("\n")) {
            if (line.equals("# EOF")) {
                continue;
            }
            if (line.startsWith("# ")) {
                String name = line.split(" ")[2];
                if (!name.equals(current)) {
                    assertTrue(!out.containsKey(name), "family split or declared twice: " + name);
                    current = name;
                    samples = new ArrayList<>();
                    out.put(name, samples);
                }
                samples.add(line);
                continue;
            }
            samples.add(line);
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }
}
