package dev.vigil.etcd;

import static dev.vigil.etcd.EtcdMetrics.FAULT_TOLERANCE;
import static dev.vigil.etcd.EtcdMetrics.LEADER_AGREEMENT;
import static dev.vigil.etcd.EtcdMetrics.LEADER_CHANGES;
import static dev.vigil.etcd.EtcdMetrics.LEARNERS;
import static dev.vigil.etcd.EtcdMetrics.MEMBERS;
import static dev.vigil.etcd.EtcdMetrics.MEMBERS_HEALTHY;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_ALARM;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_APPLY_LAG;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_DB_QUOTA;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_DB_SIZE;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_INFO;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_IS_LEADER;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_UP;
import static dev.vigil.etcd.EtcdMetrics.QUORUM_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.probe.Golden;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import dev.vigil.it.Tools;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Scheduler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockserver.integration.ClientAndServer;

/**
 * Cluster mode against MockServer playing three members on three ports: what a real cluster cannot show on demand
 * (etcd 3.5/3.6 field sets, NOSPACE and CORRUPT alarms, learners, garbage, a member that answers slowly).
 */
class EtcdMockServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final String[] IDS = {"16875643335078864349", "10804102126135417579", "12392343560891704072"};
    private static ClientAndServer mock;
    private static List<Integer> ports;

    @BeforeAll
    static void start() {
        mock = ClientAndServer.startClientAndServer(0, 0, 0, 0);
        ports = mock.getLocalPorts();
    }

    @AfterAll
    static void stop() {
        mock.stop();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    private static String host(int member) {
        return "127.0.0.1:" + ports.get(member);
    }

    private static String memberList(boolean withLearner) {
        StringBuilder b = new StringBuilder("{\"header\":{\"cluster_id\":\"9481794935801589756\",\"member_id\":\""
            + IDS[0] + "\",\"raft_term\":\"2\"},\"members\":[");
        for (int i = 0; i < 3; i++) {
            b.append(i == 0 ? "" : ",").append("{\"ID\":\"").append(IDS[i]).append("\",\"name\":\"m").append(i + 1)
                .append("\",\"peerURLs\":[\"http://127.0.0.1:1\"],\"clientURLs\":[\"http://").append(host(i))
                .append("\"]}");
        }
        if (withLearner) {
            b.append(",{\"ID\":\"77\",\"name\":\"l1\",\"peerURLs\":[\"http://127.0.0.1:2\"],\"clientURLs\":[\"http://")
                .append(host(3)).append("\"],\"isLearner\":true}");
        }
        return b.append("]}").toString();
    }

    /** A 3.5 status (same fields as 3.4), or a 3.6 one with storageVersion, dbSizeQuota and downgradeInfo. */
    private static String status(String id, String leader, String version, boolean learner) {
        String common = "{\"header\":{\"cluster_id\":\"9481794935801589756\",\"member_id\":\"" + id
            + "\",\"revision\":\"7\",\"raft_term\":\"3\"},\"version\":\"" + version + "\",\"dbSize\":\"25000\""
            + (leader == null ? "" : ",\"leader\":\"" + leader + "\"")
            + ",\"raftIndex\":\"120\",\"raftTerm\":\"3\",\"raftAppliedIndex\":\"118\",\"dbSizeInUse\":\"20000\""
            + (learner ? ",\"isLearner\":true" : "");
        if (version.startsWith("3.6")) {
            common += ",\"storageVersion\":\"3.6.0\",\"dbSizeQuota\":\"8589934592\","
                + "\"downgradeInfo\":{\"enabled\":false,\"targetVersion\":\"\"}";
        }
        return common + "}";
    }

    private static void answer(int member, String path, int code, String body) {
        mock.when(request().withMethod("POST").withPath(path).withHeader("Host", host(member)))
            .respond(response().withStatusCode(code).withBody(body));
    }

    private static void healthyMember(int member, String version, String alarms) {
        answer(member, "/v3/maintenance/status", 200, status(IDS[member], IDS[2], version, false));
        answer(member, "/v3/kv/range", 200, "{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"" + IDS[member]
            + "\",\"revision\":\"7\",\"raft_term\":\"3\"}}");
        answer(member, "/v3/maintenance/alarm", 200, alarms);
        answer(member, "/v3/cluster/member/list", 200, memberList(false));
    }

    private static Probe probe() {
        return ProbeRuns.probe("etcd: {clusters: [{name: mock, mode: cluster, endpoints: [\"http://" + host(0)
            + "\"], timeout: " + TIMEOUT.toSeconds() + "s}]}");
    }

    @Test
    void etcd35ClusterAllHealthy() throws Exception {
        for (int i = 0; i < 3; i++) {
            healthyMember(i, "3.5.17", "{\"header\":{}}");
        }
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertTrue(r.result().success(), r.toString());
        assertEquals(3, r.get(MEMBERS, "mock"));
        assertEquals(3, r.get(MEMBERS_HEALTHY, "mock"));
        assertEquals(1, r.get(FAULT_TOLERANCE, "mock"));
        assertEquals(1, r.get(LEADER_AGREEMENT, "mock"));
        assertEquals(1, r.get(MEMBER_IS_LEADER, "mock", "m3"));
        assertEquals(0, r.get(MEMBER_IS_LEADER, "mock", "m1"));
        assertEquals(2, r.get(MEMBER_APPLY_LAG, "mock", "m1"));
        assertEquals(25000, r.get(MEMBER_DB_SIZE, "mock", "m2"));
        assertEquals(0, r.get(MEMBER_ALARM, "mock", "m1", "NOSPACE"));
        assertTrue(r.value(MEMBER_DB_QUOTA, "mock", "m1").isEmpty(), "3.5 reports no quota");
        Sample info = r.result().samples().stream().filter(s -> s.family() == MEMBER_INFO).findFirst().orElseThrow();
        assertEquals(List.of("mock", "m1", "ea325433c79065dd", "3.5.17", "false", "http://" + host(0)),
            info.labelValues());
    }

    /** Three 3.6 voters (m3 leads), a learner, NOSPACE raised on m1 and CORRUPT on m2. */
    private static void etcd36WithLearnerAndAlarmsCluster() {
        String alarms = "{\"header\":{\"revision\":\"7\"},\"alarms\":[{\"memberID\":\"" + IDS[0]
            + "\",\"alarm\":\"NOSPACE\"},{\"memberID\":\"" + IDS[1] + "\",\"alarm\":\"CORRUPT\"}]}";
        for (int i = 0; i < 3; i++) {
            answer(i, "/v3/maintenance/status", 200, status(IDS[i], IDS[2], "3.6.4", false));
            answer(i, "/v3/kv/range", 200, "{\"header\":{\"revision\":\"7\"}}");
            answer(i, "/v3/maintenance/alarm", 200, alarms);
        }
        answer(0, "/v3/cluster/member/list", 200, memberList(true));
        answer(3, "/v3/maintenance/status", 200, status("77", IDS[2], "3.6.4", true));
        answer(3, "/v3/kv/range", 200, "{\"header\":{\"revision\":\"7\"}}");
        answer(3, "/v3/maintenance/alarm", 200, alarms);
    }

    @Test
    void etcd36WithLearnerAndAlarms() throws Exception {
        etcd36WithLearnerAndAlarmsCluster();
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertFalse(r.result().success(), r.toString());
        assertEquals(Reasons.UNHEALTHY, r.result().reason(), "quorum holds, alarms are raised: " + r);
        assertEquals("quorum holds but alarms are raised: [NOSPACE on m1, CORRUPT on m2]", r.result().message());
        assertEquals(1, r.get(QUORUM_OK, "mock"));
        assertEquals(3, r.get(MEMBERS, "mock"), "the learner does not vote");
        assertEquals(1, r.get(LEARNERS, "mock"));
        assertEquals(1, r.get(FAULT_TOLERANCE, "mock"));
        assertEquals(1, r.get(MEMBER_ALARM, "mock", "m1", "NOSPACE"));
        assertEquals(0, r.get(MEMBER_ALARM, "mock", "m1", "CORRUPT"));
        assertEquals(1, r.get(MEMBER_ALARM, "mock", "m2", "CORRUPT"));
        assertEquals(0, r.get(MEMBER_ALARM, "mock", "m3", "NOSPACE"));
        assertEquals(8589934592.0, r.get(MEMBER_DB_QUOTA, "mock", "m1"));
        assertTrue(r.result().details().get("alarms").contains("NOSPACE on m1"), r.toString());
    }

    @Test
    void garbageFromOneMemberMakesItDownNotTheProbeBroken() throws Exception {
        for (int i = 0; i < 3; i++) {
            healthyMember(i, "3.5.17", "{}");
        }
        mock.clear(request().withHeader("Host", host(1)));
        answer(1, "/v3/maintenance/status", 200, "{\"header\":{\"member_id\":");
        answer(1, "/v3/kv/range", 502, "<html>bad gateway</html>");
        answer(1, "/v3/maintenance/alarm", 200, "not json");
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertTrue(r.result().success(), "quorum holds: " + r);
        assertEquals(0, r.get(MEMBER_UP, "mock", "m2"));
        assertEquals(0, r.get(FAULT_TOLERANCE, "mock"));
        assertTrue(r.result().details().get("member m2").contains("bad_response"), r.toString());
    }

    @Test
    void garbageMemberListIsBadResponse() throws Exception {
        answer(0, "/v3/cluster/member/list", 200, "<html>this is not etcd</html>");
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertEquals(Reasons.BAD_RESPONSE, r.result().reason(), r.toString());
        mock.reset();
        answer(0, "/v3/cluster/member/list", 403, "{\"error\":\"etcdserver: permission denied\",\"code\":7}");
        assertEquals(Reasons.AUTH_REJECTED, ProbeRuns.run(probe(), TIMEOUT).result().reason());
    }

    @Test
    void slowMemberIsDownAtTheDeadlineAndTheRunEndsInTime() throws Exception {
        for (int i = 0; i < 3; i++) {
            healthyMember(i, "3.5.17", "{}");
        }
        mock.clear(request().withHeader("Host", host(2)));
        for (String path : List.of("/v3/maintenance/status", "/v3/kv/range", "/v3/maintenance/alarm")) {
            mock.when(request().withMethod("POST").withPath(path).withHeader("Host", host(2)))
                .respond(response().withStatusCode(200).withBody("{}").withDelay(TimeUnit.SECONDS, 20));
        }
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertTrue(r.took().compareTo(TIMEOUT) < 0, "returned before the deadline: " + r);
        assertTrue(r.result().success(), r.toString());
        assertEquals(0, r.get(MEMBER_UP, "mock", "m3"));
        assertEquals(2, r.get(MEMBERS_HEALTHY, "mock"));
        assertTrue(r.result().details().get("member m3").contains("timeout"), r.toString());
        assertEquals(1, r.get(LEADER_AGREEMENT, "mock"), "the members that answered (m1, m2) agree on m3");
    }

    @Test
    void membersThatDisagreeAndALeaderChange() throws Exception {
        for (int i = 0; i < 3; i++) {
            healthyMember(i, "3.5.17", "{}");
        }
        Probe probe = probe();
        ProbeRuns.Run first = ProbeRuns.run(probe, TIMEOUT);
        assertEquals(0, first.get(LEADER_CHANGES, "mock"));

        mock.clear(request().withPath("/v3/maintenance/status"));
        for (int i = 0; i < 3; i++) {
            answer(i, "/v3/maintenance/status", 200, status(IDS[i], i == 0 ? IDS[1] : IDS[0], "3.5.17", false));
        }
        ProbeRuns.Run split = ProbeRuns.run(probe, TIMEOUT);
        assertEquals(0, split.get(LEADER_AGREEMENT, "mock"));
        assertEquals(0, split.get(LEADER_CHANGES, "mock"), "no change counted while members disagree");

        mock.clear(request().withPath("/v3/maintenance/status"));
        for (int i = 0; i < 3; i++) {
            answer(i, "/v3/maintenance/status", 200, status(IDS[i], IDS[0], "3.5.17", false));
        }
        ProbeRuns.Run moved = ProbeRuns.run(probe, TIMEOUT);
        assertEquals(1, moved.get(LEADER_AGREEMENT, "mock"));
        assertEquals(1, moved.get(LEADER_CHANGES, "mock"));
        assertEquals(1, moved.get(MEMBER_IS_LEADER, "mock", "m1"));
    }

    @Test
    void noMemberKnowsALeader() throws Exception {
        for (int i = 0; i < 3; i++) {
            answer(i, "/v3/maintenance/status", 200, status(IDS[i], null, "3.5.17", false));
            answer(i, "/v3/kv/range", 503, "{\"error\":\"etcdserver: no leader\",\"code\":14}");
            answer(i, "/v3/maintenance/alarm", 503, "{\"error\":\"etcdserver: no leader\",\"code\":14}");
        }
        answer(0, "/v3/cluster/member/list", 200, memberList(false));
        ProbeRuns.Run r = ProbeRuns.run(probe(), TIMEOUT);
        assertFalse(r.result().success());
        assertEquals(Reasons.NO_LEADER, r.result().reason(), r.toString());
        assertEquals(0, r.get(QUORUM_OK, "mock"));
        assertEquals(3, r.get(MEMBERS, "mock"));
        assertEquals(1, r.get(MEMBER_UP, "mock", "m2"));
    }

    /**
     * The exposition of kind etcd as /metrics renders it, compared with {@code golden/etcd.prom} (ports replaced by
     * member names); {@code -Dvigil.golden.update=true} rewrites it after an intended change: review the diff.
     */
    @Test
    void goldenExposition() throws Exception {
        etcd36WithLearnerAndAlarmsCluster();
        ProbeKinds kinds = ProbeKinds.builtIn();
        VigilConfig config = new ConfigLoader(kinds, HostPaths.HOST).parse("golden.yml",
            "etcd: {jitter: 0s, clusters: [{name: mock, mode: cluster, endpoints: [\"http://" + host(0)
                + "\"], timeout: 10s}]}");
        try (Scheduler scheduler = new Scheduler(kinds, HostPaths.HOST)) {
            scheduler.apply(config);
            assertTrue(scheduler.await(scheduler::firstRoundDone, Duration.ofSeconds(30)));
            var result = scheduler.states().get(0).last().result();
            assertEquals(Reasons.UNHEALTHY, result.reason(), result.message());
            Golden golden = Golden.of(new EtcdKind());
            for (int i = 0; i < ports.size(); i++) {
                golden.replace("127.0.0.1:" + ports.get(i), "member" + (i + 1) + ":2379");
            }
            golden.check(golden.render(scheduler));
        }
    }
}
