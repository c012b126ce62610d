package dev.vigil.etcd;

import static dev.vigil.etcd.EtcdMetrics.LOCAL_APPLY_LAG;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_BACKEND_COMMIT_P99;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_DB_FRAGMENTATION;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_DB_IN_USE;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_DB_SIZE;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_WAL_FSYNCS;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_WAL_FSYNC_P99;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.alerts.AlertRules;
import dev.vigil.it.AgentProcess;
import dev.vigil.it.PrometheusServer;
import dev.vigil.it.Tools;
import dev.vigil.probe.Probe;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signals that come before an etcd outage, on a real member (Debian etcd-server): its WAL fsync p99 as vigil's
 * local mode computes it, with the member's disk fast and then throttled, in the probe and through the real agent, a
 * real Prometheus and the shipped {@code EtcdWalFsyncSlow}; and fragmentation after many keys were put, deleted and
 * compacted without a defragmentation (what a Kubernetes API server's 5-minute compaction leaves).
 */
class EtcdDiskSignalsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Writes per second left to the member while throttled: every fsync waits for one or two of them. */
    private static final int THROTTLED_IOPS = 10;
    /**
     * The {@code for:} of every alert in Prometheus' copy of the shipped rules: five windows of the probe in a row (it
     * runs every second here) instead of the shipped 10 minutes of 30-second windows.
     */
    private static final String FOR = "5s";
    /** Seconds of fast-disk p99s Prometheus evaluates before the throttle: more than {@link #FOR} with a margin. */
    private static final int FAST_SECONDS = 12;
    /**
     * Write IOPS left to the member for the alert: its fsyncs take over 512 ms and the p99 lands well above the 500 ms
     * threshold. At {@link #THROTTLED_IOPS} they fall in etcd's (256 ms, 512 ms] bucket, whose interpolated p99 sits
     * at the threshold's edge (about 508 ms when most of a window's fsyncs are in it, under 500 ms when fewer are).
     */
    private static final int ALERT_IOPS = 4;
    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    @TempDir
    Path dir;

    @BeforeAll
    static void makePki() throws Exception {
        pki = new TestPki(Tools.require("openssl", "openssl"), pkiDir).ca("ca").issue("ca", "server", "pkcs8")
            .issue("ca", "vigil", "sec1");
    }

    private static HttpClient client() throws Exception {
        return HttpClient.newBuilder().sslContext(dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(pki.caCert("ca"), pkiDir.resolve("vigil.crt"),
            pkiDir.resolve("vigil.key"))).context()).build();
    }

    private static String call(HttpClient client, EtcdTestCluster cluster, String path, String json) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(cluster.clientUrl(0).resolve(path))
            .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(HttpClient client, EtcdTestCluster cluster, int n, String prefix, int valueBytes)
        throws Exception {
        String value = Base64.getEncoder().encodeToString(new byte[valueBytes]);
        for (int i = 0; i < n; i++) {
            call(client, cluster, "/v3/kv/put", "{\"key\":\"" + b64(prefix + i) + "\",\"value\":\"" + value + "\"}");
        }
    }

    private static Probe localProbe(EtcdTestCluster cluster) {
        return ProbeRuns.probe("etcd:\n  clusters:\n    - {name: local, endpoints: [%s], timeout: %ds}\n"
            .formatted(cluster.metricsUrl(0), TIMEOUT.toSeconds()));
    }

    private static ProbeRuns.Run untilAfterWrites(HttpClient client, EtcdTestCluster cluster, Probe probe,
                                                  java.util.function.Predicate<ProbeRuns.Run> condition)
        throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        ProbeRuns.Run last = null;
        for (int i = 0; System.nanoTime() < end; i++) {
            put(client, cluster, 1, "tick/" + i + "/", 10);
            last = ProbeRuns.run(probe, TIMEOUT);
            try {
                if (condition.test(last)) {
                    return last;
                }
            } catch (AssertionError e) {
                // the sample is not there yet
            }
        }
        throw new AssertionError("condition not reached within " + WAIT + "; last run: " + last);
    }

    @Test
    void aMemberOnAThrottledDiskShowsItsWalFsyncP99Rise() throws Exception {
        try (SlowDisk disk = SlowDisk.create(dir);
             EtcdTestCluster cluster = new EtcdTestCluster(Tools.require("etcd", "etcd-server"), dir, pki, 1)
                 .withDataRoot(disk.mount())) {
            cluster.startAll();
            cluster.awaitLeader(WAIT);
            disk.admit(cluster.pid(0));
            HttpClient client = client();
            Probe probe = localProbe(cluster);
            ProbeRuns.run(probe, TIMEOUT); // the start of the first window

            put(client, cluster, 100, "fast/", 100);
            ProbeRuns.Run fast = ProbeRuns.run(probe, TIMEOUT);
            double fastP99 = fast.get(LOCAL_WAL_FSYNC_P99, "local");
            double fsyncs = fast.get(LOCAL_WAL_FSYNCS, "local");

            disk.limitWriteIops(THROTTLED_IOPS);
            put(client, cluster, 20, "slow/", 100);
            ProbeRuns.Run slow = ProbeRuns.run(probe, TIMEOUT);
            double slowP99 = slow.get(LOCAL_WAL_FSYNC_P99, "local");
            disk.limitWriteIops(0);
            System.err.printf("EtcdDiskSignalsIT: WAL fsync p99 %.1f ms on the loop device, %.1f ms throttled to %d "
                    + "write IOPS (%.0f fsyncs in all); backend commit p99 %.1f ms then %.1f ms%n", fastP99 * 1000,
                slowP99 * 1000, THROTTLED_IOPS, slow.get(LOCAL_WAL_FSYNCS, "local"),
                fast.get(LOCAL_BACKEND_COMMIT_P99, "local") * 1000, slow.get(LOCAL_BACKEND_COMMIT_P99, "local") * 1000);
            assertTrue(fsyncs >= 100, "a put is an fsync at least: " + fast);
            assertTrue(slowP99 > 0.1, "over 100 ms: " + slow);
            assertTrue(slowP99 > 3 * fastP99, "fast " + fastP99 + " s, slow " + slowP99 + " s");
            assertEquals(0, slow.get(LOCAL_APPLY_LAG, "local"), "a single member applies what it commits");
        }
    }

    /**
     * The whole path users run: the packaged agent probes the member every second, a real Prometheus scrapes the
     * agent's {@code /metrics} every second and evaluates the shipped rules (only {@code for:} shortened), while a
     * client puts a key every 50 ms. On the loop device {@code EtcdWalFsyncSlow} is never pending; throttled, it fires.
     */
    @Test
    void etcdWalFsyncSlowStaysSilentOnAFastDiskAndFiresInPrometheusOnceTheDiskIsThrottled() throws Exception {
        String etcd = Tools.require("etcd", "etcd-server");
        Tools.require("prometheus", "prometheus");
        try (SlowDisk disk = SlowDisk.create(dir);
             EtcdTestCluster cluster = new EtcdTestCluster(etcd, dir, pki, 1).withDataRoot(disk.mount());
             AutoCloseable unthrottle = () -> disk.limitWriteIops(0)) {
            cluster.startAll();
            cluster.awaitLeader(WAIT);
            disk.admit(cluster.pid(0));
            int agentPort = AgentProcess.freePort();
            Path config = Files.writeString(dir.resolve("vigil.yml"), """
                etcd:
                  clusters:
                    - {name: local, endpoints: ["%s"], interval: 1s, timeout: 900ms}
                """.formatted(cluster.metricsUrl(0)));
            try (AgentProcess agent = AgentProcess.start("--config.file=" + config,
                     "--web.listen-address=127.0.0.1:" + agentPort);
                 PrometheusServer prom = PrometheusServer.start(dir, AlertRules.withFor(alert -> FOR),
                     List.of("127.0.0.1:" + agentPort), WAIT);
                 PacedWriter writer = new PacedWriter(client(), cluster, 50)) {
                agent.awaitListening();
                String p99 = "vigil_etcd_local_wal_fsync_p99_seconds{target=\"local\"}";
                prom.await("Prometheus holds " + FAST_SECONDS + " s of fast-disk fsync p99s",
                    WAIT.plusSeconds(FAST_SECONDS),
                    () -> prom.value("count_over_time((" + p99 + " >= 0)[" + FAST_SECONDS + "s:1s])")
                        >= FAST_SECONDS - 1);
                JsonNode rule = prom.rule("EtcdWalFsyncSlow");
                double fastMax = prom.value("max_over_time(" + p99 + "[1h])");
                double fsyncs = prom.value("vigil_etcd_local_wal_fsyncs_total");
                assertEquals("ok", rule.path("health").asText(), rule.toString());
                assertEquals("inactive", rule.path("state").asText(),
                    "fast disk, p99 at most " + fastMax + " s: " + rule);
                assertTrue(prom.query("count_over_time(ALERTS{alertname=~\"EtcdWalFsync.*\"}[1h])").isEmpty(),
                    "never pending or firing on the fast disk; p99s Prometheus holds: " + prom.query(p99 + "[1h]"));
                assertTrue(fsyncs >= FAST_SECONDS * 10, "the writer's puts are fsyncs: " + fsyncs);

                disk.limitWriteIops(ALERT_IOPS);
                long throttled = System.nanoTime();
                AtomicReference<Double> pendingAfter = new AtomicReference<>();
                AtomicReference<PrometheusServer.Alert> slow = new AtomicReference<>();
                prom.await("EtcdWalFsyncSlow firing after the throttle", WAIT, () -> {
                    slow.set(prom.alerts().stream().filter(a -> a.name().equals("EtcdWalFsyncSlow")).findFirst()
                        .orElse(null));
                    if (slow.get() != null) {
                        pendingAfter.compareAndSet(null, (System.nanoTime() - throttled) / 1e9);
                    }
                    return slow.get() != null && slow.get().firing();
                });
                double firingAfter = (System.nanoTime() - throttled) / 1e9;
                PrometheusServer.Alert fired = slow.get();
                assertEquals("local", fired.labels().get("target"), fired.toString());
                assertEquals("127.0.0.1:" + agentPort, fired.labels().get("instance"), fired.toString());
                assertEquals("warning", fired.labels().get("severity"), fired.toString());
                assertTrue(fired.annotations().get("summary").contains("to fsync its WAL (p99)"), fired.toString());
                String window = "[" + FOR + "]";
                System.err.printf("EtcdDiskSignalsIT: through the agent and Prometheus (probe, scrape and evaluation "
                        + "every 1 s, for: %s): WAL fsync p99 at most %.1f ms over %d s on the loop device, "
                        + "EtcdWalFsyncSlow never pending; throttled to %d write IOPS: pending after %.1f s, firing "
                        + "after %.1f s, p99 %.0f to %.0f ms in the last %s; critical: %s; %d puts, %d failed%n",
                    FOR, fastMax * 1000, FAST_SECONDS, ALERT_IOPS, pendingAfter.get(), firingAfter,
                    prom.value("min_over_time(" + p99 + window + ")") * 1000,
                    prom.value("max_over_time(" + p99 + window + ")") * 1000, FOR,
                    prom.alerts().stream().filter(a -> a.name().equals("EtcdWalFsyncCritical")).map(a -> a.state())
                        .findFirst().orElse("inactive"), writer.puts(), writer.failures());
            }
        }
    }

    /**
     * A client that puts a small key every {@code periodMillis} from its own thread, as an API server's steady writes
     * would; late puts (a throttled disk) delay the next instead of piling up. {@link #close()} interrupts the put in
     * flight and waits for the thread.
     */
    private static final class PacedWriter implements AutoCloseable {
        private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        private final AtomicLong puts = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();

        PacedWriter(HttpClient client, EtcdTestCluster cluster, long periodMillis) {
            executor.scheduleAtFixedRate(() -> {
                try {
                    put(client, cluster, 1, "paced/" + puts.get() + "/", 10);
                    puts.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception | AssertionError e) {
                    failures.incrementAndGet(); // counted, not fatal: the schedule must go on
                }
            }, 0, periodMillis, TimeUnit.MILLISECONDS);
        }

        long puts() {
            return puts.get();
        }

        long failures() {
            return failures.get();
        }

        @Override
        public void close() throws InterruptedException {
            executor.shutdownNow();
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the writer did not stop within 30 s");
            }
        }
    }

    @Test
    void keysPutDeletedAndCompactedWithoutDefragmentationLeaveAFragmentedDatabase() throws Exception {
        try (EtcdTestCluster cluster = new EtcdTestCluster(Tools.require("etcd", "etcd-server"), dir, pki, 1)) {
            cluster.startAll();
            cluster.awaitLeader(WAIT);
            HttpClient client = client();
            Probe probe = localProbe(cluster);
            ProbeRuns.Run before = ProbeRuns.run(probe, TIMEOUT);

            put(client, cluster, 400, "frag/", 8 << 10);
            String deleted = call(client, cluster, "/v3/kv/deleterange",
                "{\"key\":\"" + b64("frag/") + "\",\"range_end\":\"" + b64("frag0") + "\"}");
            assertTrue(deleted.contains("\"deleted\":\"400\""), deleted);
            String revision = deleted.replaceAll("(?s).*\"revision\":\"(\\d+)\".*", "$1");
            call(client, cluster, "/v3/kv/compaction", "{\"revision\":\"" + revision + "\",\"physical\":true}");
            // bbolt reuses the pages the compaction freed only after a later write transaction, and etcd updates the
            // size in use at a commit: a small write per round until the probe sees it (the condition decides)
            ProbeRuns.Run fragmented = untilAfterWrites(client, cluster, probe,
                r -> r.get(LOCAL_DB_FRAGMENTATION, "local") > 0.5);

            call(client, cluster, "/v3/maintenance/defragment", "{}");
            ProbeRuns.Run defragmented = untilAfterWrites(client, cluster, probe,
                r -> r.get(LOCAL_DB_FRAGMENTATION, "local") < 0.5);
            System.err.printf("EtcdDiskSignalsIT: fragmentation %.2f (in use %.0f of %.0f bytes) at the start, %.2f "
                    + "(in use %.0f of %.0f) after 400 puts of 8 KiB, their deletion and a compaction, %.2f (in use "
                    + "%.0f of %.0f) after defrag%n",
                before.get(LOCAL_DB_FRAGMENTATION, "local"), before.get(LOCAL_DB_IN_USE, "local"),
                before.get(LOCAL_DB_SIZE, "local"), fragmented.get(LOCAL_DB_FRAGMENTATION, "local"),
                fragmented.get(LOCAL_DB_IN_USE, "local"), fragmented.get(LOCAL_DB_SIZE, "local"),
                defragmented.get(LOCAL_DB_FRAGMENTATION, "local"), defragmented.get(LOCAL_DB_IN_USE, "local"),
                defragmented.get(LOCAL_DB_SIZE, "local"));
            assertTrue(fragmented.get(LOCAL_DB_SIZE, "local") > 3_000_000, "the file grew with the keys: " + fragmented);
            assertTrue(defragmented.get(LOCAL_DB_SIZE, "local") < fragmented.get(LOCAL_DB_SIZE, "local") / 2,
                "defragmentation returns the space: " + defragmented);
        }
    }
}
