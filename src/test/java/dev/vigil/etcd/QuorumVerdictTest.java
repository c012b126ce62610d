package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuorumVerdictTest {
    private static final BigInteger LEADER = BigInteger.ONE;

    private static EtcdAnswers.Member member(int id, boolean learner) {
        return new EtcdAnswers.Member(BigInteger.valueOf(id), "m" + id, List.of(), List.of("http://m" + id), learner);
    }

    private static EtcdAnswers.Status status(int id, BigInteger leader) {
        return new EtcdAnswers.Status(BigInteger.valueOf(id), "3.5.0", 1, 1, leader, BigInteger.TEN, BigInteger.TWO,
            BigInteger.TEN, false, List.of(), 0);
    }

    /** {@code healthy} voters, {@code upOnly} answering without quorum read, {@code down} not answering. */
    private static List<MemberView> cluster(int healthy, int upOnly, int down) {
        List<MemberView> v = new ArrayList<>();
        int id = 1;
        for (int i = 0; i < healthy; i++, id++) {
            v.add(new MemberView(member(id, false), status(id, LEADER), true, List.of(), "ok", ""));
        }
        for (int i = 0; i < upOnly; i++, id++) {
            v.add(new MemberView(member(id, false), status(id, BigInteger.ZERO), false, null, "timeout", ""));
        }
        for (int i = 0; i < down; i++, id++) {
            v.add(MemberView.down(member(id, false), "connect_refused", ""));
        }
        return v;
    }

    @Test
    void quorumAndToleranceForEverySize() {
        // members, healthy -> quorum size, quorum ok, fault tolerance
        int[][] table = {
            {1, 1, 1, 1, 0}, {1, 0, 1, 0, -1},
            {2, 2, 2, 1, 0}, {2, 1, 2, 0, -1},
            {3, 3, 2, 1, 1}, {3, 2, 2, 1, 0}, {3, 1, 2, 0, -1},
            {4, 4, 3, 1, 1}, {4, 3, 3, 1, 0}, {4, 2, 3, 0, -1},
            {5, 5, 3, 1, 2}, {5, 3, 3, 1, 0}, {5, 2, 3, 0, -1},
            {7, 7, 4, 1, 3},
        };
        for (int[] row : table) {
            QuorumVerdict v = QuorumVerdict.of(cluster(row[1], 0, row[0] - row[1]));
            String at = row[0] + " members, " + row[1] + " healthy";
            assertEquals(row[0], v.members(), at);
            assertEquals(row[2], v.quorumSize(), at);
            assertEquals(row[3] == 1, v.quorumOk(), at);
            assertEquals(row[4], v.faultTolerance(), at);
        }
    }

    @Test
    void learnersNeitherVoteNorCount() {
        List<MemberView> views = cluster(3, 0, 0);
        views.add(new MemberView(member(9, true), status(9, LEADER), true, List.of(), "ok", ""));
        QuorumVerdict v = QuorumVerdict.of(views);
        assertEquals(3, v.members());
        assertEquals(1, v.learners());
        assertEquals(3, v.healthy());
        assertEquals(2, v.quorumSize());
        assertEquals(1, v.faultTolerance());
    }

    @Test
    void leaderAgreement() {
        assertTrue(QuorumVerdict.of(cluster(3, 0, 0)).leaderAgreement());
        assertEquals(Optional.of(LEADER), QuorumVerdict.of(cluster(3, 0, 0)).leader());
        assertFalse(QuorumVerdict.of(cluster(2, 1, 0)).leaderAgreement(), "a member without a leader disagrees");
        List<MemberView> split = cluster(2, 0, 0);
        split.add(new MemberView(member(3, false), status(3, BigInteger.valueOf(3)), true, List.of(), "ok", ""));
        QuorumVerdict v = QuorumVerdict.of(split);
        assertFalse(v.leaderAgreement());
        assertEquals(Optional.of(LEADER), v.leader(), "the leader most members name");
        assertFalse(QuorumVerdict.of(cluster(0, 0, 3)).leaderAgreement(), "nobody answered: no agreement");
    }
}
