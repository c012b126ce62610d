package dev.vigil.bench;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.it.AgentProcess;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Scrape-path and footprint benchmark (see README, "Benchmark"):
 * <ol>
 *   <li>in process: time to render /metrics with 10,000 series, with the collector's cache warm (no result changed
 *   since the last scrape) and cold (every result new);</li>
 *   <li>the packaged agent as a process with 1,400 TCP targets (~10,000 series): RSS after start and after 10,000
 *   scrapes over HTTP, and the scrape latency seen by the client.</li>
 * </ol>
 */
public final class ScrapeBenchmark {
    private static final MetricFamily A = MetricFamily.gauge("vigil_bench_a", "Bench.", "target", "position");
    private static final int TARGETS = 1000;
    private static final int SAMPLES_PER_TARGET = 4; // plus 6 common series per target = 10,000

    public static void main(String[] args) throws Exception {
        dev.vigil.logging.LogLayout.configure("error", "logfmt");
        inProcess();
        agentProcess(List.of());
        agentProcess(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        System.exit(0);
    }

    /** A kind whose targets return a fixed set of samples at once. */
    static final class BenchKind implements TestProbeKind {
        @Override
        public String name() {
            return "bench";
        }

        @Override
        public List<Target> parse(Section section, Timing defaults) {
            TargetList out = new TargetList();
            for (Section t : section.sections("targets")) {
                out.add(t, new Target("bench", t.requiredString("target"), Timing.read(t, defaults), ""));
                t.finish();
            }
            section.finish();
            return out.toList();
        }

        @Override
        public Probe create(Target target, HostPaths hostPaths) {
            List<Sample> samples = new ArrayList<>();
            for (int i = 0; i < SAMPLES_PER_TARGET; i++) {
                samples.add(A.sample(1.7e9 + i, target.name(), Integer.toString(i)));
            }
            ProbeResult result = ProbeResult.failed("connect_refused", "x", samples, Map.of());
            return d -> result;
        }

        @Override
        public List<MetricFamily> metrics() {
            return List.of(A);
        }
    }

    static void inProcess() throws Exception {
        ProbeKinds kinds = new ProbeKinds(List.of(new BenchKind()));
        StringBuilder yaml = new StringBuilder("defaults: {interval: 1h, jitter: 0s}\nbench:\n  targets:\n");
        for (int i = 0; i < TARGETS; i++) {
            yaml.append("    - {target: \"node-").append(i).append(".example.internal:443\"}\n");
        }
        try (Scheduler scheduler = new Scheduler(kinds, HostPaths.HOST)) {
            scheduler.apply(new ConfigLoader(kinds, HostPaths.HOST).parse("bench.yml", yaml.toString()));
            scheduler.await(scheduler::firstRoundDone, Duration.ofMinutes(1));
            Supplier<ReloadStatus> reload = () -> new ReloadStatus(true, 0, 0, 0, List.of(), "bench");
            BuildInfo build = new BuildInfo("bench", "bench", "17");

            PrometheusRegistry warm = new PrometheusRegistry();
            warm.register(new VigilCollector(scheduler, reload, build));
            Exposition warmExposition = new Exposition(warm);
            byte[] body = warmExposition.render("text/plain", null).bytes();
            long series = new String(body).lines().filter(l -> !l.startsWith("#")).count();
            System.out.printf("in-process: %d series, %d bytes per text scrape%n", series, body.length);

            report("text, cache warm", () -> warmExposition.render("text/plain", null));
            report("openmetrics, cache warm", () -> warmExposition.render("application/openmetrics-text", null));
            report("text+gzip, cache warm", () -> warmExposition.render("text/plain", "gzip"));
            report("text, cache cold (all results new)", () -> {
                PrometheusRegistry cold = new PrometheusRegistry();
                cold.register(new VigilCollector(scheduler, reload, build));
                return new Exposition(cold).render("text/plain", null);
            });
        }
    }

    interface Render {
        Object run() throws Exception;
    }

    static void report(String label, Render render) throws Exception {
        for (int i = 0; i < 300; i++) {
            render.run();
        }
        int n = 1000;
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            render.run();
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.printf("  %-38s median %6.2f ms   p99 %6.2f ms%n", label, ns[n / 2] / 1e6, ns[n * 99 / 100] / 1e6);
    }

    static void agentProcess(List<String> jvmOptions) throws Exception {
        System.out.println("agent process, JVM options " + (jvmOptions.isEmpty() ? "(defaults)" : String.join(" ", jvmOptions)) + ":");
        Path dir = Files.createTempDirectory("vigil-bench");
        StringBuilder yaml = new StringBuilder("defaults: {interval: 1m, timeout: 5s, jitter: 5s}\n"
            + "agent: {max_concurrent_probes: 64}\ntcp:\n  targets:\n");
        for (int i = 0; i < 1400; i++) {
            yaml.append("    - {target: \"127.0.0.1:1\", name: t").append(i).append("}\n");
        }
        Path config = Files.writeString(dir.resolve("vigil.yml"), yaml);
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.startWithJvmOptions(jvmOptions, "--config.file", config.toString(),
            "--web.listen-address", "127.0.0.1:" + port)) {
            agent.awaitListening();
            long startedAt = System.nanoTime();
            agent.awaitBody("ready", b -> b.startsWith("ready"), Duration.ofMinutes(2));
            System.out.printf("  ready after %.1f s (1400 targets, jitter 5s)%n",
                (System.nanoTime() - startedAt) / 1e9);
            long rssStart = rssKiB(agent.pid());
            String metrics = agent.get("metrics").body();
            long series = metrics.lines().filter(l -> !l.startsWith("#")).count();
            HttpClient http = HttpClient.newBuilder().build();
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept-Encoding", "gzip").build();
            int scrapes = 10_000;
            long[] ns = new long[scrapes];
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < scrapes; i++) {
                int idx = i;
                futures.add(pool.submit(() -> {
                    long s = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("scrape " + idx + ": " + r.statusCode());
                    }
                    ns[idx] = System.nanoTime() - s;
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            long rssAfter = rssKiB(agent.pid());
            Arrays.sort(ns);
            System.out.printf("  %d series; RSS after start %d MiB, after %d scrapes %d MiB%n",
                series, rssStart / 1024, scrapes, rssAfter / 1024);
            System.out.printf("  %d gzip scrapes, 4 clients, %.1f s: %.0f scrapes/s, median %.2f ms, p99 %.2f ms%n",
                scrapes, wall, scrapes / wall, ns[scrapes / 2] / 1e6, ns[scrapes * 99 / 100] / 1e6);
        } finally {
            Files.deleteIfExists(config);
            Files.deleteIfExists(dir);
        }
    }

    static long rssKiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
