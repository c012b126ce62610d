package dev.vigil.bench;

import com.sun.management.ThreadMXBean;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.TestProbeKind;
import dev.vigil.probe.Timing;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The agent's scrape path in process, the way the footprint benchmark loads it but without HTTP and without TLS:
 * 2000 targets whose results look like the TLS kind's for a chain of one certificate (16 series, ~1.4 KB of
 * text each) from probes that cost
 * nothing, probed every 5 s (400 results/s) and scraped 10 times a second; then the same targets idle. Prints the
 * time and the bytes allocated per scrape (on the scraping thread) and the collections of the phase.
 *
 * <p>Run it with the launcher's JVM flags to see the GC as the agent sees it, e.g.
 * {@code java -Xmx64m -Xms8m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:+UseSerialGC
 * -XX:TieredStopAtLevel=1 -cp target/classes:target/test-classes:$(cat cp.txt) dev.vigil.bench.ScrapeLoadBenchmark}.
 * Properties: {@code vigil.bench.targets} (2000), {@code vigil.bench.load_seconds} (30), {@code vigil.bench.accept}
 * (text/plain), {@code vigil.bench.encoding} (none).
 */
public final class ScrapeLoadBenchmark {
    private static final int TARGETS = Integer.getInteger("vigil.bench.targets", 2000);
    private static final int LOAD_SECONDS = Integer.getInteger("vigil.bench.load_seconds", 30);
    private static final String ACCEPT = System.getProperty("vigil.bench.accept", "text/plain");
    private static final String ENCODING = System.getProperty("vigil.bench.encoding");

    static final MetricFamily CERT_INFO = MetricFamily.info("vigil_bench_cert_info", "Certificate facts.",
        "target", "position", "index", "subject_cn", "issuer_cn", "serial", "fingerprint_sha256", "key_type",
        "key_bits", "signature_algorithm", "sans");
    static final MetricFamily NOT_AFTER = MetricFamily.gauge("vigil_bench_cert_not_after_timestamp_seconds", "Not after.",
        "target", "position", "index", "subject_cn", "issuer_cn");
    static final MetricFamily NOT_BEFORE = MetricFamily.gauge("vigil_bench_cert_not_before_timestamp_seconds", "Not before.",
        "target", "position", "index", "subject_cn", "issuer_cn");
    static final MetricFamily CHAIN = MetricFamily.gauge("vigil_bench_chain_certificates", "Chain length.", "target");
    static final MetricFamily CIPHER = MetricFamily.info("vigil_bench_cipher_info", "Cipher.", "target", "cipher");
    static final MetricFamily EARLIEST = MetricFamily.gauge("vigil_bench_earliest_expiry_timestamp_seconds", "Earliest.", "target");
    static final MetricFamily HANDSHAKE = MetricFamily.gauge("vigil_bench_handshake_duration_seconds", "Handshake.", "target");
    static final MetricFamily LEAF = MetricFamily.gauge("vigil_bench_leaf_expiry_timestamp_seconds", "Leaf expiry.", "target");
    static final MetricFamily VERIFIED = MetricFamily.gauge("vigil_bench_verified", "Verified.", "target", "reason");
    static final MetricFamily VERSION = MetricFamily.info("vigil_bench_version_info", "Version.", "target", "version");

    /** Targets that answer at once with what a verified TLS chain of one certificate reports. */
    static final class TlsLikeKind implements TestProbeKind {
        static final AtomicLong RUNS = new AtomicLong();

        @Override
        public String name() {
            return "benchtls";
        }

        @Override
        public List<Target> parse(Section section, Timing defaults) {
            TargetList out = new TargetList();
            for (Section t : section.sections("targets")) {
                out.add(t, new Target("benchtls", t.requiredString("target"), Timing.read(t, defaults), ""));
                t.finish();
            }
            section.finish();
            return out.toList();
        }

        @Override
        public Probe create(Target target, HostPaths hostPaths) {
            String n = target.name();
            return d -> {
                long run = RUNS.incrementAndGet();
                List<Sample> s = new ArrayList<>(10);
                s.add(CERT_INFO.sample(1, n, "leaf", "0", "localhost", "vigil bench CA", "4f1a9c0b7d2e",
                    "9a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6e8f0a2b", "ECDSA", "256",
                    "SHA256withECDSA", "localhost"));
                s.add(NOT_AFTER.sample(1.7671e9, n, "leaf", "0", "localhost", "vigil bench CA"));
                s.add(NOT_BEFORE.sample(1.7641e9, n, "leaf", "0", "localhost", "vigil bench CA"));
                s.add(CHAIN.sample(1, n));
                s.add(CIPHER.sample(1, n, "TLS_AES_256_GCM_SHA384"));
                s.add(EARLIEST.sample(1.7671e9, n));
                s.add(HANDSHAKE.sample(0.001 + (run % 1000) / 1e6, n));
                s.add(LEAF.sample(1.7671e9, n));
                s.add(VERIFIED.sample(1, n, "ok"));
                s.add(VERSION.sample(1, n, "TLSv1.3"));
                return ProbeResult.ok(s, Map.of());
            };
        }

        @Override
        public List<MetricFamily> metrics() {
            return List.of(CERT_INFO, NOT_AFTER, NOT_BEFORE, CHAIN, CIPHER, EARLIEST, HANDSHAKE, LEAF, VERIFIED, VERSION);
        }
    }

    public static void main(String[] args) throws Exception {
        dev.vigil.logging.LogLayout.configure("error", "logfmt");
        System.out.printf("in-process scrape, %d targets, accept %s, encoding %s, max heap %d MiB%n", TARGETS, ACCEPT,
            ENCODING, Runtime.getRuntime().maxMemory() >> 20);
        phase("busy (every 5 s, scraped 10/s)", "5s", "5s", LOAD_SECONDS, 100);
        phase("idle (every 1 h, scraped 10/s)", "1h", "4s", 10, 100);
        System.exit(0);
    }

    static void phase(String label, String interval, String jitter, int seconds, long periodMillis) throws Exception {
        ProbeKinds kinds = new ProbeKinds(List.of(new TlsLikeKind()));
        StringBuilder yaml = new StringBuilder("defaults: {interval: " + interval + ", jitter: " + jitter
            + "}\nagent: {max_concurrent_probes: 32}\nbenchtls:\n  targets:\n");
        for (int i = 0; i < TARGETS; i++) {
            yaml.append("    - {target: \"t").append(i).append("\"}\n");
        }
        try (Scheduler scheduler = new Scheduler(kinds, HostPaths.HOST)) {
            scheduler.apply(new ConfigLoader(kinds, HostPaths.HOST).parse("bench.yml", yaml.toString()));
            scheduler.await(scheduler::firstRoundDone, Duration.ofMinutes(1));
            Supplier<ReloadStatus> reload = () -> new ReloadStatus(true, 0, 0, 0, List.of(), "bench");
            PrometheusRegistry registry = new PrometheusRegistry();
            JvmMetrics.builder().register(registry);
            Exposition exposition = new Exposition(registry,
                new VigilCollector(scheduler, reload, new BuildInfo("bench", "bench", "17")));
            for (int i = 0; i < 50; i++) {
                consume(exposition.render(ACCEPT, ENCODING));
            }
            ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
            long[] gc0 = gc();
            List<Long> ns = new ArrayList<>();
            List<Long> allocated = new ArrayList<>();
            long bytes = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long next = System.nanoTime();
            while (System.nanoTime() < end) {
                long a0 = threads.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                bytes = consume(exposition.render(ACCEPT, ENCODING));
                ns.add(System.nanoTime() - t0);
                allocated.add(threads.getCurrentThreadAllocatedBytes() - a0);
                next += TimeUnit.MILLISECONDS.toNanos(periodMillis);
                long sleep = next - System.nanoTime();
                if (sleep > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleep);
                }
            }
            long[] gc1 = gc();
            System.gc();
            long live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            double[] t = percentiles(ns, 1e6);
            double[] al = percentiles(allocated, 1024);
            System.out.printf("%s: %d scrapes of %d KiB: p50 %.1f ms, p99 %.1f ms, max %.1f ms; allocated per scrape"
                    + " p50 %.0f KiB, p99 %.0f KiB; %d collections, %d ms; heap after full GC %d MiB%n",
                label, ns.size(), bytes / 1024, t[0], t[1], t[2], al[0], al[1], gc1[0] - gc0[0], gc1[1] - gc0[1],
                live >> 20);
        }
    }

    /** Sends nowhere: lets the body go as the server does once it is sent; returns its length. */
    static long consume(Exposition.Body body) {
        long length = body.length();
        body.content().release();
        return length;
    }

    static long[] gc() {
        long n = 0;
        long ms = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += b.getCollectionCount();
            ms += b.getCollectionTime();
        }
        return new long[] {n, ms};
    }

    static double[] percentiles(List<Long> values, double unit) {
        long[] a = values.stream().mapToLong(Long::longValue).sorted().toArray();
        return new double[] {a[a.length / 2] / unit, a[Math.min(a.length - 1, (int) Math.ceil(a.length * 0.99) - 1)] / unit,
            a[a.length - 1] / unit};
    }

    private ScrapeLoadBenchmark() {
    }
}
