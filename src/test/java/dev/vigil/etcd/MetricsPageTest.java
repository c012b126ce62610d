package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The /metrics reader against real pages of etcd 3.4.23 (src/test/resources/etcd/SOURCE.md). */
class MetricsPageTest {
    private static MetricsPage page(String fixture) throws Exception {
        return MetricsPage.parse(new ByteArrayInputStream(EtcdAnswersTest.fixture(fixture)));
    }

    @Test
    void leaderPage() throws Exception {
        MetricsPage p = page("metrics-leader.txt");
        assertEquals(OptionalDouble.of(1), p.hasLeader());
        assertEquals(OptionalDouble.of(1), p.isLeader());
        assertEquals(OptionalDouble.of(0), p.isLearner());
        assertEquals(OptionalDouble.of(1), p.leaderChangesSeen());
        assertEquals(OptionalDouble.of(20480), p.dbSize());
        assertEquals(OptionalDouble.of(16384), p.dbSizeInUse());
        assertEquals(OptionalDouble.of(2147483648.0), p.quotaBytes(), "2.147483648e+09 in the page");
        assertEquals(2, p.activePeers());
        assertEquals("abfa72cfa98ca308", p.serverId());
        assertEquals("3.4.23", p.version());
        assertEquals("3.4", p.clusterVersion());
    }

    @Test
    void aHealthyMemberSeesAllThreeMembersAndQuorum() throws Exception {
        MetricsPage p = page("metrics-leader.txt");
        assertEquals(java.util.Set.of("95efe1a421581aeb", "ea325433c79065dd"), p.peers());
        assertEquals(3, p.clusterMembers());
        assertEquals(3, p.membersReachable());
        assertEquals(2, p.quorumSize());
        assertEquals(true, p.quorumOk());
    }

    @Test
    void theSurvivorOfTwoStoppedMembersStillCountsThemAndSeesNoQuorum() throws Exception {
        // both peers are known from their (now zero) active-peer series: the cluster does not shrink to one member
        MetricsPage p = page("metrics-no-leader.txt");
        assertEquals(3, p.clusterMembers());
        assertEquals(1, p.membersReachable());
        assertEquals(false, p.quorumOk());
    }

    @Test
    void peersAreKnownFromEveryPerPeerSeriesAndBounded() throws Exception {
        String text = "etcd_server_has_leader 1\n"
            + "etcd_network_peer_sent_failures_total{To=\"aa\"} 3\n"
            + "etcd_network_peer_received_bytes_total{From=\"0\"} 3\n"
            + "etcd_network_peer_round_trip_time_seconds_count{To=\"bb\"} 1\n"
            + "etcd_network_peer_round_trip_time_seconds_bucket{To=\"cc\",le=\"0.1\"} 1\n"
            + "etcd_network_active_peers{Local=\"me\",Remote=\"bb\"} 1\n";
        MetricsPage p = MetricsPage.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals(java.util.Set.of("aa", "bb", "cc"), p.peers(), "From=0 is no peer");
        assertEquals(2, p.membersReachable());
        assertEquals(false, p.quorumOk(), "2 of 4 reachable");
        StringBuilder many = new StringBuilder("etcd_server_has_leader 1\n");
        for (int i = 0; i <= MetricsPage.MAX_PEERS; i++) {
            many.append("etcd_network_peer_sent_bytes_total{To=\"p").append(i).append("\"} 1\n");
        }
        assertThrows(dev.vigil.net.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream(many.toString().getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void theSignalsBeforeAnOutageFromARealPage() throws Exception {
        MemberSignals s = page("metrics-leader.txt").signals();
        assertEquals(12, s.walFsync().count());
        assertEquals(0.006798419000000001, s.walFsync().sum());
        assertEquals(15, s.walFsync().bounds().length, "0.001 to 8.192 and +Inf");
        assertEquals(0.00194, s.walFsync().quantile(0.99), 1e-9);
        assertEquals(6, s.backendCommit().count());
        // captured seconds after the start: no round trip measured yet (etcd probes peers every 30 s), no failure
        assertEquals(java.util.Map.of(), s.peerRoundTrip());
        assertEquals(java.util.Map.of(), s.peerSentFailures());
        assertEquals(OptionalDouble.of(12), s.proposal("committed"));
        assertEquals(OptionalDouble.of(12), s.proposal("applied"));
        assertEquals(OptionalDouble.of(0), s.proposal("failed"));
        assertEquals(OptionalDouble.of(0), s.proposal("pending"));
        assertEquals(OptionalDouble.of(0), s.applyLag());
        assertEquals(OptionalDouble.of(0), s.slowApplies());
        assertEquals(OptionalDouble.of(0), s.slowReadIndexes());
        assertEquals(OptionalDouble.of(0), s.heartbeatSendFailures());
        assertTrue(s.grpcRequests().isPresent(), "820 gRPC lines on a 3.4 page");
        assertEquals(MemberSignals.GRPC_FAILURE_CODES, java.util.List.copyOf(s.grpcFailures().keySet()));
        assertEquals(false, s.grpcHandling().present(), "latency histograms only with --metrics=extensive");
    }

    @Test
    void grpcCountsOnlyUnaryRequestsAndServerSideFailures() throws Exception {
        String text = "etcd_server_has_leader 1\n"
            + "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 90\n"
            + "grpc_server_handled_total{grpc_code=\"Unavailable\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 4\n"
            + "grpc_server_handled_total{grpc_code=\"Unavailable\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n"
            + "grpc_server_handled_total{grpc_code=\"NotFound\",grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 5\n"
            + "grpc_server_handled_total{grpc_code=\"Unavailable\",grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\"} 70\n"
            + "grpc_server_handled_total{grpc_code=\"DeadlineExceeded\",grpc_method=\"Defragment\",grpc_service=\"etcdserverpb.Maintenance\",grpc_type=\"unary\"} 1\n"
            + "grpc_server_handling_seconds_bucket{grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"0.005\"} 90\n"
            + "grpc_server_handling_seconds_bucket{grpc_method=\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"+Inf\"} 99\n"
            + "grpc_server_handling_seconds_bucket{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"0.005\"} 0\n"
            + "grpc_server_handling_seconds_bucket{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\",le=\"+Inf\"} 1\n"
            + "grpc_server_handling_seconds_bucket{grpc_method=\"Watch\",grpc_service=\"etcdserverpb.Watch\",grpc_type=\"bidi_stream\",le=\"+Inf\"} 70\n";
        MemberSignals s = MetricsPage.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).signals();
        assertEquals(OptionalDouble.of(100), s.grpcRequests(), "unary only, Defragment left out");
        assertEquals(5.0, s.grpcFailures().get("Unavailable"));
        assertEquals(0.0, s.grpcFailures().get("DeadlineExceeded"));
        assertEquals(null, s.grpcFailures().get("NotFound"), "a key that is not there is the client's affair");
        assertEquals(100, s.grpcHandling().observations(), "methods fold into one histogram; streams left out");
        assertEquals(90, s.grpcHandling().cumulative()[0]);
    }

    @Test
    void roundTripsAndSendFailuresPerPeer() throws Exception {
        String rtt = "etcd_network_peer_round_trip_time_seconds";
        String text = "etcd_server_has_leader 1\n"
            + rtt + "_bucket{To=\"aa\",le=\"0.0001\"} 0\n"
            + rtt + "_bucket{To=\"aa\",le=\"0.0002\"} 3\n"
            + rtt + "_bucket{To=\"aa\",le=\"+Inf\"} 4\n"
            + rtt + "_sum{To=\"aa\"} 0.1\n"
            + rtt + "_count{To=\"aa\"} 4\n"
            + rtt + "_bucket{To=\"bb\",le=\"0.0001\"} 1\n"
            + rtt + "_bucket{To=\"bb\",le=\"0.0002\"} 1\n"
            + rtt + "_bucket{To=\"bb\",le=\"+Inf\"} 1\n"
            + "etcd_network_peer_sent_failures_total{To=\"bb\"} 7\n";
        MemberSignals s = MetricsPage.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))).signals();
        assertEquals(java.util.Set.of("aa", "bb"), s.peerRoundTrip().keySet());
        assertEquals(4, s.peerRoundTrip().get("aa").count());
        assertEquals(0.0002, s.peerRoundTrip().get("aa").quantile(0.99), 1e-12, "in +Inf: the last finite bound");
        assertEquals(java.util.Map.of("bb", 7.0), s.peerSentFailures());
    }

    @Test
    void aPageWithoutTheSignalsGivesNone() throws Exception {
        MemberSignals s = MetricsPage.parse(new ByteArrayInputStream("etcd_server_has_leader 1\n"
            .getBytes(StandardCharsets.UTF_8))).signals();
        assertEquals(false, s.walFsync().present());
        assertEquals(OptionalDouble.empty(), s.applyLag());
        assertEquals(OptionalDouble.empty(), s.grpcRequests());
        assertEquals(java.util.Map.of(), s.grpcFailures());
    }

    @Test
    void followerPage() throws Exception {
        MetricsPage p = page("metrics-follower.txt");
        assertEquals(OptionalDouble.of(1), p.hasLeader());
        assertEquals(OptionalDouble.of(0), p.isLeader());
    }

    @Test
    void survivorOfALostQuorum() throws Exception {
        MetricsPage p = page("metrics-no-leader.txt");
        assertEquals(OptionalDouble.of(0), p.hasLeader());
        assertEquals(OptionalDouble.of(3), p.leaderChangesSeen());
    }

    @Test
    void fedInArbitraryChunksGivesTheSameFacts() throws Exception {
        byte[] all = EtcdAnswersTest.fixture("metrics-leader.txt");
        MetricsPage.Parser parser = new MetricsPage.Parser();
        for (int i = 0; i < all.length; i += 7) {
            parser.feed(all, i, Math.min(7, all.length - i));
        }
        assertEquals(page("metrics-leader.txt"), parser.finish());
    }

    @Test
    void labelsWithEscapesAndTimestamps() throws Exception {
        String text = "etcd_server_version{a=\"x\\\"}y\",server_version=\"3.6.4\"} 1 1700000000000\n"
            + "etcd_server_has_leader 1 1700000000000\n";
        MetricsPage p = MetricsPage.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        assertEquals("3.6.4", p.version());
        assertEquals(OptionalDouble.of(1), p.hasLeader());
    }

    @Test
    void notAnEtcdPageOrTooBig() {
        assertThrows(dev.vigil.net.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream("node_load1 0.5\n".getBytes(StandardCharsets.UTF_8))));
        assertThrows(dev.vigil.net.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream("etcd_server_has_leader one\n".getBytes(StandardCharsets.UTF_8))));
        MetricsPage.Parser p = new MetricsPage.Parser();
        byte[] line = new byte[MetricsPage.MAX_LINE + 1];
        java.util.Arrays.fill(line, (byte) 'a');
        assertThrows(dev.vigil.net.BadResponse.class, () -> p.feed(line, 0, line.length));
        MetricsPage.Parser big = new MetricsPage.Parser();
        byte[] chunk = "etcd_x 1\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        assertThrows(dev.vigil.net.BadResponse.class, () -> {
            for (int i = 0; i < 20; i++) {
                big.feed(chunk, 0, chunk.length);
            }
        });
    }
}
