package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals(java.util.Set.of("aa", "bb"), p.peers(), "buckets are skipped; From=0 is no peer");
        assertEquals(2, p.membersReachable());
        assertEquals(true, p.quorumOk(), "2 of 3 reachable with a leader");
        StringBuilder many = new StringBuilder("etcd_server_has_leader 1\n");
        for (int i = 0; i <= MetricsPage.MAX_PEERS; i++) {
            many.append("etcd_network_peer_sent_bytes_total{To=\"p").append(i).append("\"} 1\n");
        }
        assertThrows(Json.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream(many.toString().getBytes(StandardCharsets.UTF_8))));
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
        assertThrows(Json.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream("node_load1 0.5\n".getBytes(StandardCharsets.UTF_8))));
        assertThrows(Json.BadResponse.class, () -> MetricsPage.parse(
            new ByteArrayInputStream("etcd_server_has_leader one\n".getBytes(StandardCharsets.UTF_8))));
        MetricsPage.Parser p = new MetricsPage.Parser();
        byte[] line = new byte[MetricsPage.MAX_LINE + 1];
        java.util.Arrays.fill(line, (byte) 'a');
        assertThrows(Json.BadResponse.class, () -> p.feed(line, 0, line.length));
        MetricsPage.Parser big = new MetricsPage.Parser();
        byte[] chunk = "etcd_x 1\n".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        assertThrows(Json.BadResponse.class, () -> {
            for (int i = 0; i < 20; i++) {
                big.feed(chunk, 0, chunk.length);
            }
        });
    }
}
