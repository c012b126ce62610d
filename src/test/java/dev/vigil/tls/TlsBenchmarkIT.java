package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.TargetState;
import dev.vigil.probe.VigilConfig;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, run on demand (README, "Performance"): {@code mvn verify -Dit.test=TlsBenchmarkIT
 * -Dvigil.benchmark=100,1000,2000 -DargLine="-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
 * [-Dvigil.benchmark.provider=jdk]}, the argLine being the packaged launcher's JVM flags (with room for this harness).
 * A farm of openssl s_server processes (ECDSA and RSA leaves behind an intermediate) serves N targets; after a warm-up
 * round ({@code -Dvigil.benchmark.warmup}, 4,000 probes) the real scheduler probes each once (32 in flight, verified
 * chains) while a scrape renders every second ({@code -Dvigil.benchmark.scrape_ms}). Reports wall time, agent CPU per
 * probe (this JVM's CPU time less the scraping thread's, whose cost is reported per scrape), the farm's CPU per
 * handshake (it shares the two cores), peak RSS and scrape latency.
 */
class TlsBenchmarkIT {
    private static final int FARM = 8;
    /**
     * No TLS 1.3 session tickets: the probe never reads past the server's Finished, so tickets would be server work
     * that the client never sees (the client's handshake is the same either way).
     */
    private static final String[] FARM_OPTIONS = farmOptions(System.getProperty("vigil.benchmark.farm_options", ""));

    private static String[] farmOptions(String value) {
        return value.isBlank() ? new String[0] : value.trim().split(" +");
    }
    @TempDir
    Path dir;
    private final List<OpenSslServer> farm = new ArrayList<>();

    @AfterEach
    void stop() {
        farm.forEach(OpenSslServer::close);
    }

    @Test
    void probeManyEndpoints() throws Exception {
        String sizes = System.getProperty("vigil.benchmark", "");
        assumeTrue(!sizes.isBlank(), "benchmark runs only with -Dvigil.benchmark=100,1000,2000");
        OpenSslServer.assumeOpenSsl();
        String provider = System.getProperty("vigil.benchmark.provider", "auto");
        Hierarchy ec = Hierarchy.create(KeyType.EC);
        Hierarchy rsa = Hierarchy.create(KeyType.RSA);
        Path ca = TestPki.write(dir, "ca.pem", ec.root().pem(), rsa.root().pem());
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < FARM; i++) {
            Hierarchy h = i % 2 == 0 ? ec : rsa;
            Issued leaf = h.leaf("localhost").keys(i % 2 == 0 ? KeyType.EC : KeyType.RSA).dns("localhost").build();
            OpenSslServer s = OpenSslServer.start("127.0.0.1", TestPki.write(dir, i + ".crt", leaf.pem()).toString(),
                TestPki.write(dir, i + ".key", leaf.keyPem()).toString(),
                TestPki.write(dir, i + "-chain.pem", h.intermediate().pem()).toString(), FARM_OPTIONS);
            farm.add(s);
            ports.add(s.port());
        }
        StringBuilder report = new StringBuilder("provider=" + TlsEngines.resolve(provider) + " farm=" + FARM
            + " s_server " + String.join(" ", FARM_OPTIONS) + " (ECDSA P-256 and RSA-2048 leaves + intermediate), " + Integer.getInteger("vigil.benchmark.concurrency", 32) + " probes in flight, cores="
            + Runtime.getRuntime().availableProcessors() + "\n");
        // warm-up: an agent runs for days, its JIT has long finished compiling the probe path
        run(Integer.getInteger("vigil.benchmark.warmup", 4000), ports, ca, provider, null);
        for (String n : sizes.split(",")) {
            run(Integer.parseInt(n.trim()), ports, ca, provider, report);
        }
        System.out.println(report);
        Files.writeString(Path.of("target", "tls-benchmark.txt"), report.toString());
    }

    private void run(int n, List<Integer> ports, Path ca, String provider, StringBuilder report) throws Exception {
        StringBuilder yaml = new StringBuilder("agent:\n  max_concurrent_probes: " + Integer.getInteger("vigil.benchmark.concurrency", 32) + "\ntls:\n  interval: 1h\n  timeout: 10s\n"
            + "  jitter: 0s\n  defaults:\n    ca_file: " + ca + "\n    server_name: localhost\n    provider: " + provider
            + "\n  targets:\n");
        for (int i = 0; i < n; i++) {
            yaml.append("    - target: 127.0.0.1:").append(ports.get(i % ports.size())).append("\n      name: t")
                .append(i).append('\n');
        }
        VigilConfig config = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("bench.yml", yaml.toString());
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Double> scrapes = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService scraper = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "bench-scraper"));
        var threadMx = ManagementFactory.getThreadMXBean();
        long[] scraperThread = new long[1];
        scraper.submit(() -> scraperThread[0] = Thread.currentThread().getId()).get();
        long scrapeCpu0 = threadMx.getThreadCpuTime(scraperThread[0]);
        try (Scheduler scheduler = new Scheduler(ProbeKinds.builtIn(), HostPaths.HOST)) {
            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new VigilCollector(scheduler, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "bench"),
                BuildInfo.current()));
            Exposition exposition = new Exposition(registry);
            scraper.scheduleAtFixedRate(() -> {
                long s = System.nanoTime();
                try {
                    exposition.render("text/plain", null);
                } catch (Exception e) {
                    return;
                }
                scrapes.add((System.nanoTime() - s) / 1e6);
            }, 0, Long.getLong("vigil.benchmark.scrape_ms", 1000), TimeUnit.MILLISECONDS);
            java.util.Map<Long, Long> agentThreads0 = agentThreadCpu();
            double farm0 = farm.stream().mapToDouble(OpenSslServer::cpuSeconds).sum();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            scheduler.apply(config);
            assertTrue(scheduler.awaitFirstRound(Duration.ofMinutes(5)), "all probed");
            double wall = (System.nanoTime() - t0) / 1e9;
            double scrapeCpu = (threadMx.getThreadCpuTime(scraperThread[0]) - scrapeCpu0) / 1e9;
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e9 - scrapeCpu;
            double farmCpu = farm.stream().mapToDouble(OpenSslServer::cpuSeconds).sum() - farm0;
            java.util.Map<Long, Long> agentThreads1 = agentThreadCpu();
            double threads = agentThreads1.entrySet().stream()
                .mapToLong(e -> e.getValue() - agentThreads0.getOrDefault(e.getKey(), 0L)).sum() / 1e9;
            scraper.shutdown();
            scraper.awaitTermination(5, TimeUnit.SECONDS);
            List<Double> idle = new ArrayList<>();
            int bytes = 0;
            for (int i = 0; i < 5; i++) {
                long s = System.nanoTime();
                bytes = exposition.render("text/plain", null).bytes().length;
                idle.add((System.nanoTime() - s) / 1e6);
            }
            Collections.sort(idle);
            long ok = scheduler.states().stream().map(TargetState::last).filter(s -> s != null && s.result().success()).count();
            double handshakes = scheduler.states().stream().map(TargetState::last).filter(s -> s != null)
                .flatMap(s -> s.result().samples().stream())
                .filter(s -> s.family() == TlsKind.HANDSHAKE_DURATION).mapToDouble(s -> s.value() * 1000).average().orElse(0);
            List<Double> sorted = new ArrayList<>(scrapes);
            Collections.sort(sorted);
            if (report != null) {
                report.append(String.format("N=%d: all probed in %.2f s, ok=%d; agent CPU %.3f ms/probe (whole process,"
                        + " scrapes apart; %.3f ms on the probe and scheduler threads, the rest is JIT, GC and this"
                        + " harness); farm CPU %.3f ms/handshake; mean handshake %.2f ms; peak RSS %s; %d scrapes while"
                        + " probing (median %.1f ms, max %.1f ms, %.1f ms CPU each); scrape afterwards median %.1f ms for"
                        + " %d KiB%n", n, wall, ok, cpu * 1000 / n, threads * 1000 / n, farmCpu * 1000 / n, handshakes,
                    peakRss(), sorted.size(), sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2),
                    sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1),
                    sorted.isEmpty() ? 0 : scrapeCpu * 1000 / sorted.size(), idle.get(2), bytes / 1024));
            }
            assertTrue(ok == n, ok + " of " + n + " ok");
        } finally {
            scraper.shutdownNow();
        }
    }

    /** CPU time of the agent's own threads (probe workers, dispatcher, timer, resolver). */
    private static java.util.Map<Long, Long> agentThreadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("vigil-")) {
                out.put(info.getThreadId(), mx.getThreadCpuTime(info.getThreadId()));
            }
        }
        return out;
    }

    private static String peakRss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring(6).trim();
            }
        }
        return "?";
    }
}
