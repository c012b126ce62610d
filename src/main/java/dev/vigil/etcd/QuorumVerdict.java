package dev.vigil.etcd;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster verdict computed from every member's own answers: what users otherwise rebuild in PromQL from
 * {@code up}, often with the wrong quorum formula. Learners do not vote, so they count neither in the quorum nor in
 * the fault tolerance.
 *
 * @param leader the leader the members agree on (or that most of them name), if any
 */
record QuorumVerdict(int members, int healthy, int learners, int quorumSize, boolean quorumOk, int faultTolerance,
                     boolean leaderAgreement, Optional<BigInteger> leader, boolean anyUp) {

    static QuorumVerdict of(List<MemberView> views) {
        int voters = 0;
        int healthy = 0;
        int learners = 0;
        boolean anyUp = false;
        boolean agree = true;
        BigInteger named = null;
        Map<BigInteger, Integer> votes = new HashMap<>();
        for (MemberView v : views) {
            boolean learner = v.member().learner() || (v.status() != null && v.status().learner());
            if (learner) {
                learners++;
            } else {
                voters++;
                if (v.healthy()) {
                    healthy++;
                }
            }
            if (v.up()) {
                anyUp = true;
                BigInteger l = v.status().leader();
                if (l.signum() == 0) {
                    agree = false;
                } else {
                    votes.merge(l, 1, Integer::sum);
                    if (named != null && !named.equals(l)) {
                        agree = false;
                    }
                    named = l;
                }
            }
        }
        int quorum = voters / 2 + 1;
        Optional<BigInteger> leader = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey);
        return new QuorumVerdict(voters, healthy, learners, quorum, healthy >= quorum, healthy - quorum,
            anyUp && agree, leader, anyUp);
    }
}
