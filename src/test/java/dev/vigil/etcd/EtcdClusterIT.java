package dev.vigil.etcd;

import static dev.vigil.etcd.EtcdMetrics.FAULT_TOLERANCE;
import static dev.vigil.etcd.EtcdMetrics.LEADER_AGREEMENT;
import static dev.vigil.etcd.EtcdMetrics.LEARNERS;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_ACTIVE_PEERS;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_HAS_LEADER;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_HEALTH;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_IS_LEADER;
import static dev.vigil.etcd.EtcdMetrics.LOCAL_UP;
import static dev.vigil.etcd.EtcdMetrics.MEMBERS;
import static dev.vigil.etcd.EtcdMetrics.MEMBERS_HEALTHY;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_ALARM;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_IS_LEADER;
import static dev.vigil.etcd.EtcdMetrics.MEMBER_UP;
import static dev.vigil.etcd.EtcdMetrics.QUORUM_OK;
import static dev.vigil.etcd.EtcdMetrics.QUORUM_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import dev.vigil.probe.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real 3-member etcd cluster (Debian etcd-server) on loopback with TLS and client-certificate auth, certificates
 * made by openssl for the test. The probes run exactly as the agent builds them from configuration.
 */
class EtcdClusterIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir
    static Path pkiDir;
    private static TestPki pki;
    @TempDir
    Path dir;
    private EtcdTestCluster cluster;

    @BeforeAll
    static void makePki() throws Exception {
        String openssl = Tools.require("openssl", "openssl");
        pki = new TestPki(openssl, pkiDir).ca("ca").issue("ca", "server", "pkcs8")
            .issue("ca", "vigil", "sec1") // the key format k3s writes
            .ca("other").issue("other", "stranger", "pkcs1");
    }

    @BeforeEach
    void startCluster(org.junit.jupiter.api.TestInfo test) throws Exception {
        String etcd = Tools.require("etcd", "etcd-server");
        cluster = new EtcdTestCluster(etcd, dir, pki, 3, test.getTags().contains("learner") ? 4 : 3);
        if (test.getTags().contains("tiny-quota")) {
            cluster.withFlags("--quota-backend-bytes", "65536");
        }
        cluster.startAll();
        cluster.awaitLeader(WAIT);
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private String clusterYaml(int seed, String clientName) {
        return """
            etcd:
              clusters:
                - name: it
                  mode: cluster
                  endpoints: [%s]
                  ca_file: %s
                  cert_file: %s
                  key_file: %s
                  timeout: %ds
                  interval: 1m
            """.formatted(cluster.clientUrl(seed), pki.caCert("ca"), pkiDir.resolve(clientName + ".crt"),
            pkiDir.resolve(clientName + ".key"), TIMEOUT.toSeconds());
    }

    private String localYaml(int member) {
        return "etcd:\n  clusters:\n    - {name: local, endpoints: [%s], timeout: %ds}\n"
            .formatted(cluster.metricsUrl(member), TIMEOUT.toSeconds());
    }

    @Test
    void quorumVerdictFollowsMembersStoppingAndReturning() throws Exception {
        Probe probe = ProbeRuns.probe(clusterYaml(0, "vigil"));

        ProbeRuns.Run all = ProbeRuns.until(probe, TIMEOUT, WAIT, r -> r.get(MEMBERS_HEALTHY, "it") == 3);
        assertTrue(all.result().success(), all.toString());
        assertEquals(3, all.get(MEMBERS, "it"));
        assertEquals(2, all.get(QUORUM_SIZE, "it"));
        assertEquals(1, all.get(QUORUM_OK, "it"));
        assertEquals(1, all.get(FAULT_TOLERANCE, "it"));
        assertEquals(1, all.get(LEADER_AGREEMENT, "it"));
        assertEquals(0, all.get(MEMBER_ALARM, "it", "m1", "NOSPACE"));
        double leaders = 0;
        for (int i = 0; i < 3; i++) {
            assertEquals(1, all.get(MEMBER_UP, "it", cluster.name(i)));
            leaders += all.get(MEMBER_IS_LEADER, "it", cluster.name(i));
        }
        assertEquals(1, leaders, "exactly one leader");
        assertTrue(all.value(EtcdMetrics.CLIENT_CERT_EXPIRY, "it").orElse(0) > System.currentTimeMillis() / 1000.0);

        // one member down: quorum holds with no tolerance left, the member is reported down
        cluster.kill(2);
        ProbeRuns.Run one = ProbeRuns.until(probe, TIMEOUT, WAIT, r -> r.get(MEMBERS_HEALTHY, "it") == 2
            && r.get(LEADER_AGREEMENT, "it") == 1);
        assertTrue(one.result().success(), one.toString());
        assertEquals(1, one.get(QUORUM_OK, "it"));
        assertEquals(0, one.get(FAULT_TOLERANCE, "it"));
        assertEquals(0, one.get(MEMBER_UP, "it", "m3"));
        assertEquals(1, one.get(MEMBER_UP, "it", "m1"));

        // two down: quorum lost, reported within the probe's own timeout (the survivor hangs on the quorum read)
        long killed = System.nanoTime();
        cluster.kill(1);
        ProbeRuns.Run lost = ProbeRuns.until(probe, TIMEOUT, WAIT, r -> r.value(QUORUM_OK, "it").orElse(1) == 0);
        Duration detected = Duration.ofNanos(System.nanoTime() - killed);
        assertFalse(lost.result().success(), lost.toString());
        assertTrue(Set.of(Reasons.NO_LEADER, Reasons.QUORUM_LOST).contains(lost.result().reason()), lost.toString());
        assertTrue(lost.took().compareTo(TIMEOUT) < 0, "the run returned its verdict before its deadline: " + lost);
        assertEquals(0, lost.get(MEMBERS_HEALTHY, "it"), "the survivor cannot serve a quorum read");
        assertEquals(-2, lost.get(FAULT_TOLERANCE, "it"));
        assertEquals(1, lost.get(MEMBER_UP, "it", "m1"), "the survivor still answers its status");
        System.out.println("etcd IT: quorum loss detected " + detected.toMillis() + " ms after the second kill, run took "
            + lost.took().toMillis() + " ms, reason " + lost.result().reason());

        // members back: recovered
        cluster.start(1);
        cluster.start(2);
        ProbeRuns.Run back = ProbeRuns.until(probe, TIMEOUT, WAIT, r -> r.result().success()
            && r.get(MEMBERS_HEALTHY, "it") == 3);
        assertEquals(1, back.get(FAULT_TOLERANCE, "it"));
        assertEquals(1, back.get(LEADER_AGREEMENT, "it"));
    }

    @Test
    void clientCertificateOfAnotherCaIsAuthRejected() throws Exception {
        ProbeRuns.Run r = ProbeRuns.run(ProbeRuns.probe(clusterYaml(0, "stranger")), TIMEOUT);
        assertFalse(r.result().success());
        assertEquals(Reasons.AUTH_REJECTED, r.result().reason(), r.toString());
    }

    @Test
    void serverOfAnUntrustedCaIsATlsHandshakeFailure() throws Exception {
        String yaml = clusterYaml(0, "vigil").replace("ca_file: " + pki.caCert("ca"), "ca_file: " + pki.caCert("other"));
        ProbeRuns.Run r = ProbeRuns.run(ProbeRuns.probe(yaml), TIMEOUT);
        assertEquals(Reasons.HANDSHAKE_FAILED, r.result().reason(), r.toString());
    }

    @Test
    void localModeSeesEachMemberAndTheLossOfQuorum() throws Exception {
        Probe[] local = new Probe[3];
        double leaders = 0;
        for (int i = 0; i < 3; i++) {
            local[i] = ProbeRuns.probe(localYaml(i));
            ProbeRuns.Run r = ProbeRuns.until(local[i], TIMEOUT, WAIT, x -> x.result().success()
                && x.get(LOCAL_ACTIVE_PEERS, "local") == 2);
            assertEquals(1, r.get(LOCAL_UP, "local"));
            assertEquals(1, r.get(LOCAL_HEALTH, "local"));
            assertEquals(1, r.get(LOCAL_HAS_LEADER, "local"));
            leaders += r.get(LOCAL_IS_LEADER, "local");
        }
        assertEquals(1, leaders, "exactly one member says it leads");

        cluster.kill(2);
        ProbeRuns.Run stopped = ProbeRuns.run(local[2], TIMEOUT);
        assertEquals(Reasons.CONNECT_REFUSED, stopped.result().reason(), stopped.toString());
        assertEquals(0, stopped.get(LOCAL_UP, "local"));
        ProbeRuns.until(local[0], TIMEOUT, WAIT, x -> x.result().success() && x.get(LOCAL_ACTIVE_PEERS, "local") == 1);

        cluster.kill(1);
        ProbeRuns.Run lost = ProbeRuns.until(local[0], TIMEOUT, WAIT, x -> !x.result().success());
        ProbeRuns.Run noLeader = ProbeRuns.until(local[0], TIMEOUT, WAIT,
            x -> x.value(LOCAL_HAS_LEADER, "local").orElse(1) == 0);
        assertEquals(Reasons.NO_LEADER, noLeader.result().reason(), noLeader.toString());
        assertEquals(0, noLeader.get(LOCAL_HEALTH, "local"));
        assertTrue(lost.took().compareTo(TIMEOUT) < 0, lost.toString());
    }

    /** A real learner: added through the gateway (not started yet: no name, no client URL), then started. */
    @Test
    @org.junit.jupiter.api.Tag("learner")
    void learnerNeitherVotesNorCounts() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
            .sslContext(dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(pki.caCert("ca"), pkiDir.resolve("vigil.crt"), pkiDir.resolve("vigil.key"))).context())
            .build();
        // etcd refuses membership changes until its members have been connected for a few seconds
        String added = "";
        long end = System.nanoTime() + WAIT.toNanos();
        while (!added.contains("\"members\"") && System.nanoTime() < end) {
            if (!added.isEmpty()) {
                Thread.sleep(200); // poll interval; the answer decides
            }
            added = client.send(java.net.http.HttpRequest.newBuilder(cluster.clientUrl(0)
                    .resolve("/v3/cluster/member/add")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                    "{\"peerURLs\":[\"" + cluster.peerUrl(3) + "\"],\"isLearner\":true}"))
                .timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(added.contains("\"members\"") || added.contains("unhealthy cluster"), added);
        }
        assertTrue(added.contains("\"isLearner\":true"), added);
        Probe probe = ProbeRuns.probe(clusterYaml(0, "vigil"));

        ProbeRuns.Run unstarted = ProbeRuns.until(probe, TIMEOUT, WAIT, r -> r.value(LEARNERS, "it").orElse(0) == 1
            && r.value(MEMBERS_HEALTHY, "it").orElse(0) == 3);
        assertTrue(unstarted.result().success(), unstarted.toString());
        assertEquals(3, unstarted.get(MEMBERS, "it"));
        assertEquals(1, unstarted.get(FAULT_TOLERANCE, "it"));
        assertTrue(unstarted.result().details().entrySet().stream().anyMatch(e -> e.getKey().startsWith("member ")
            && e.getValue().contains("not started")), unstarted.toString());

        cluster.start(3);
        ProbeRuns.Run started = ProbeRuns.until(probe, TIMEOUT, WAIT,
            r -> r.value(MEMBER_UP, "it", "m4").orElse(0) == 1);
        assertEquals(3, started.get(MEMBERS, "it"));
        assertEquals(1, started.get(LEARNERS, "it"));
        assertEquals(2, started.get(QUORUM_SIZE, "it"), "the learner does not raise the quorum");
        assertEquals(1, started.get(FAULT_TOLERANCE, "it"));
        assertTrue(started.result().samples().stream().anyMatch(x -> x.family() == EtcdMetrics.MEMBER_INFO
            && x.labelValues().get(1).equals("m4") && x.labelValues().get(4).equals("true")), started.toString());
    }

    /** A real NOSPACE alarm: a 64 KiB backend quota filled through the gateway until etcd refuses writes. */
    @Test
    @org.junit.jupiter.api.Tag("tiny-quota")
    void nospaceAlarmOfARealClusterIsReportedPerMember() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
            .sslContext(dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(pki.caCert("ca"), pkiDir.resolve("vigil.crt"), pkiDir.resolve("vigil.key"))).context())
            .build();
        String value = java.util.Base64.getEncoder().encodeToString(new byte[30_000]);
        String answer = "";
        for (int i = 0; i < 50 && !answer.contains("database space exceeded"); i++) {
            String key = java.util.Base64.getEncoder().encodeToString(("k" + i).getBytes());
            answer = client.send(java.net.http.HttpRequest.newBuilder(cluster.clientUrl(0).resolve("/v3/kv/put"))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\",\"value\":\""
                    + value + "\"}")).timeout(Duration.ofSeconds(5)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        }
        assertTrue(answer.contains("database space exceeded"), answer);

        // the member whose backend fills first raises the alarm: any of the three
        ProbeRuns.Run r = ProbeRuns.until(ProbeRuns.probe(clusterYaml(0, "vigil")), TIMEOUT, WAIT,
            x -> java.util.stream.Stream.of("m1", "m2", "m3")
                .anyMatch(m -> x.value(MEMBER_ALARM, "it", m, "NOSPACE").orElse(0) == 1));
        assertFalse(r.result().success(), r.toString());
        assertEquals(Reasons.UNHEALTHY, r.result().reason(), r.toString());
        assertEquals(1, r.get(QUORUM_OK, "it"), "quorum holds; the cluster refuses writes");
        assertEquals(0, r.get(MEMBER_ALARM, "it", "m1", "CORRUPT"));
        assertTrue(r.result().message().contains("NOSPACE"), r.toString());

        ProbeRuns.Run local = ProbeRuns.run(ProbeRuns.probe(localYaml(0)), TIMEOUT);
        assertEquals(Reasons.UNHEALTHY, local.result().reason(), local.toString());
        assertEquals(1, local.get(LOCAL_HAS_LEADER, "local"));
        assertEquals(0, local.get(LOCAL_HEALTH, "local"));
    }

    /** The packaged agent with both modes against the cluster: its /metrics carries the verdict and passes promtool. */
    @Test
    void agentExportsTheVerdictOnMetricsAndPromtoolAcceptsIt() throws Exception {
        String promtool = Tools.require("promtool", "prometheus");
        Path config = Files.writeString(dir.resolve("vigil.yml"), """
            defaults: {interval: 1s, timeout: 1s, jitter: 0s}
            etcd:
              clusters:
                - name: it
                  mode: cluster
                  endpoints: [%s]
                  ca_file: %s
                  cert_file: %s
                  key_file: %s
                - {name: local, endpoints: [%s]}
            """.formatted(cluster.clientUrl(0), pki.caCert("ca"), pkiDir.resolve("vigil.crt"),
            pkiDir.resolve("vigil.key"), cluster.metricsUrl(1)));
        try (AgentProcess agent = AgentProcess.start("--config.file", config.toString(),
            "--web.listen-address", "127.0.0.1:" + AgentProcess.freePort()).awaitListening()) {
            String metrics = agent.awaitBody("metrics", m -> m.contains("vigil_etcd_fault_tolerance{target=\"it\"} 1.0")
                && m.contains("vigil_etcd_local_health{target=\"local\"} 1.0"), WAIT);
            assertTrue(metrics.contains("vigil_probe_success{kind=\"etcd\",target=\"it\"} 1.0"), metrics);
            assertTrue(metrics.contains("vigil_etcd_member_alarm{alarm=\"NOSPACE\",member=\"m2\",target=\"it\"} 0.0"),
                metrics);
            Path file = Files.writeString(dir.resolve("metrics.txt"), metrics);
            Process check = new ProcessBuilder(promtool, "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), "promtool check metrics: " + out);
            assertEquals("", out.trim(), "promtool lint findings");
            assertFalse(metrics.contains("PRIVATE KEY"));
        }
    }

    /** README: {@code vigil probe etcd https://... --cacert --cert --key} and {@code vigil probe etcd http://...:2381}. */
    @Test
    void probeCommandOfThePackagedJar() throws Exception {
        if (!Files.exists(AgentProcess.jar())) {
            throw new AssertionError("run through mvn verify: " + AgentProcess.jar() + " is missing");
        }
        AgentProcess.Result cl = AgentProcess.run(Duration.ofSeconds(60), "probe", "etcd",
            cluster.clientUrl(0).toString(), "--cacert", pki.caCert("ca").toString(),
            "--cert", pkiDir.resolve("vigil.crt").toString(), "--key", pkiDir.resolve("vigil.key").toString(),
            "--timeout", "5s");
        System.out.println(cl.stdout());
        assertEquals(0, cl.exitCode(), cl.stdout() + cl.stderr());
        assertTrue(cl.stdout().contains("quorum: 2 needed: ok, fault tolerance 1"), cl.stdout());
        assertTrue(cl.stdout().contains("members: 3 voting, 3 healthy"), cl.stdout());

        AgentProcess.Result local = AgentProcess.run(Duration.ofSeconds(60), "probe", "etcd",
            cluster.metricsUrl(0).toString(), "--timeout", "5s");
        System.out.println(local.stdout());
        assertEquals(0, local.exitCode(), local.stdout() + local.stderr());
        assertTrue(local.stdout().contains("vigil_etcd_local_health{target=\"" + cluster.metricsUrl(0) + "\"} 1"),
            local.stdout());
    }
}
