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
