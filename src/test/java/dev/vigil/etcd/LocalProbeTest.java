package dev.vigil.etcd;

import static dev.vigil.etcd.EtcdMetrics.LOCAL_HAS_LEADER;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_HEALTH;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_READY;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_UP;
import static dev.vigil.etcd.EtcdMetrics.LEADER_CHANGES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import dev.vigil.probe.Probe;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockserver.integration.ClientAndServer;
import org.mockserver.model.HttpResponse;

/** Local mode against MockServer serving the real 3.4.23 pages, and the cases a real member rarely shows. */
class LocalProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static ClientAndServer mock;

    @BeforeAll
    static void start() {
        mock = ClientAndServer.startClientAndServer(0);
    }

    @AfterAll
    static void stop() {
        mock.stop();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    private static void page(String path, HttpResponse response) {
        mock.when(request().withMethod("GET").withPath(path)).respond(response);
    }

    private static HttpResponse fixture(int code, String name) throws Exception {
        return response().withStatusCode(code)
            .withBody(new String(EtcdAnswersTest.fixture(name), StandardCharsets.UTF_8));
    }

    private static Probe probe() {
        return ProbeRuns.probe("etcd: {clusters: [{name: node, endpoints: [\"http://127.0.0.1:" + mock.getLocalPort()
            + "\"], timeout: " + TIMEOUT.toSeconds() + "s}]}");
    }

    /**
     * The leader page after 10 more fsyncs of about a second (between 0.512 and 1.024 s): its cumulative p99 is still
     * 2 ms, the window between the two runs says about 1 s. Also 3000 entries committed and not yet applied.
     */
    private static String slowDiskPage() throws Exception {
        String page = new String(EtcdAnswersTest.fixture("metrics-leader.txt"), StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder();
        for (String line : page.split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("^etcd_disk_wal_fsync_duration_seconds_bucket\\{le=\"([^\"]+)\"} 12$").matcher(line);
            if (m.matches() && (m.group(1).equals("+Inf") || Double.parseDouble(m.group(1)) >= 1.024)) {
                line = line.replace("} 12", "} 22");
            }
            line = line.replace("etcd_disk_wal_fsync_duration_seconds_count 12", "etcd_disk_wal_fsync_duration_seconds_count 22")
                .replace("etcd_server_proposals_committed_total 12", "etcd_server_proposals_committed_total 3012");
            out.append(line).append('\n');
        }
        return out.toString();
    }

    @Test
    void latencyIsMeasuredOverTheWindowBetweenTwoRuns() throws Exception {
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-leader.txt"));
        Probe probe = probe();
        ProbeRuns.Run first = ProbeRuns.run(probe, TIMEOUT);
        assertTrue(Double.isNaN(first.get(EtcdMetrics.LOCAL_WAL_FSYNC_P99, "node")), "no window before the second run");
        assertEquals(12, first.get(EtcdMetrics.LOCAL_WAL_FSYNCS, "node"));
        assertEquals(0.2, first.get(EtcdMetrics.LOCAL_DB_FRAGMENTATION, "node"), 1e-9, "16384 in use of 20480");
        assertEquals(0, first.get(EtcdMetrics.LOCAL_APPLY_LAG, "node"));
        assertEquals(0, first.get(EtcdMetrics.LOCAL_GRPC_FAILED, "node", "Unavailable"));
        assertEquals(7, first.result().samples().stream()
            .filter(x -> x.family().equals(EtcdMetrics.LOCAL_GRPC_FAILED)).count(), "every failure code, from 0 on");
        mock.reset();
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", response().withStatusCode(200).withBody(slowDiskPage()));
        ProbeRuns.Run second = ProbeRuns.run(probe, TIMEOUT);
        assertEquals(0.512 + 0.512 * 9.9 / 10, second.get(EtcdMetrics.LOCAL_WAL_FSYNC_P99, "node"), 1e-9);
        assertTrue(Double.isNaN(second.get(EtcdMetrics.LOCAL_BACKEND_COMMIT_P99, "node")), "no commit in the window");
        assertEquals(22, second.get(EtcdMetrics.LOCAL_WAL_FSYNCS, "node"));
        assertEquals(3000, second.get(EtcdMetrics.LOCAL_APPLY_LAG, "node"));
        assertEquals(3012, second.get(EtcdMetrics.LOCAL_PROPOSALS_COMMITTED, "node"));
        assertTrue(second.result().details().get("wal fsync p99").endsWith(" ms"), second.toString());
        mock.reset();
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-leader.txt")); // the counters went down: the member restarted
        ProbeRuns.Run third = ProbeRuns.run(probe, TIMEOUT);
        assertEquals(0.00194, third.get(EtcdMetrics.LOCAL_WAL_FSYNC_P99, "node"), 1e-9, "everything since the restart");
    }

    @Test
    void healthyLeaderWithoutReadyz() throws Exception {
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-leader.txt"));
        page("/readyz", response().withStatusCode(404).withBody("404 page not found"));
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertTrue(r.result().success(), r.toString());
        assertEquals(1, r.get(LOCAL_HEALTH, "node"));
        assertTrue(r.value(LOCAL_READY, "node").isEmpty(), "3.4.23 has no /readyz: no series rather than a 0");
    }

    @Test
    void readyzWhereServed() throws Exception {
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-follower.txt"));
        page("/readyz", response().withStatusCode(503).withBody("[-]data_corruption failed: alarm activated"));
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertEquals(0, r.get(LOCAL_READY, "node"));
    }

    @Test
    void noLeaderExplainsAHealthThatHangs() throws Exception {
        page("/health", fixture(503, "health-no-leader.json").withDelay(TimeUnit.SECONDS, 20));
        page("/metrics", fixture(200, "metrics-no-leader.txt"));
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertEquals(Reasons.NO_LEADER, r.result().reason(), r.toString());
        assertTrue(r.took().compareTo(TIMEOUT) < 0, r.toString());
        assertEquals(1, r.get(LOCAL_UP, "node"));
        assertEquals(0, r.get(LOCAL_HAS_LEADER, "node"));
    }

    @Test
    void unhealthyWithALeader() throws Exception {
        page("/health", response().withStatusCode(503).withBody("{\"health\":\"false\",\"reason\":\"ALARM NOSPACE\"}"));
        page("/metrics", fixture(200, "metrics-leader.txt"));
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertEquals(Reasons.UNHEALTHY, r.result().reason(), r.toString());
        assertTrue(r.result().details().get("health").contains("ALARM NOSPACE"), r.toString());
    }

    @Test
    void notEtcd() throws Exception {
        page("/health", response().withStatusCode(200).withBody("<html>hello</html>"));
        page("/metrics", response().withStatusCode(200).withBody("node_load1 0.1\n"));
        assertEquals(Reasons.BAD_RESPONSE, ProbeRuns.run(probe(), TIMEOUT).result().reason());
    }

    @Test
    void leaderChangesAreTheIncreaseOfEtcdsCounter() throws Exception {
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-leader.txt")); // etcd_server_leader_changes_seen_total 1
        Probe probe = probe();
        assertEquals(0, ProbeRuns.run(probe, TIMEOUT).get(LEADER_CHANGES, "node"));
        mock.reset();
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-no-leader.txt")); // ... 3
        assertEquals(2, ProbeRuns.run(probe, TIMEOUT).get(LEADER_CHANGES, "node"));
        mock.reset();
        page("/health", fixture(200, "health-ok.json"));
        page("/metrics", fixture(200, "metrics-leader.txt")); // 1 again: the member restarted
        assertEquals(2, ProbeRuns.run(probe, TIMEOUT).get(LEADER_CHANGES, "node"));
    }
}
