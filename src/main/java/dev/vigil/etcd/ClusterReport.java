package dev.vigil.etcd;

import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Turns the members' answers and the verdict of one cluster-mode run into samples, details and a result. */
final class ClusterReport {
    private ClusterReport() {
    }

    /** The cluster's and every member's samples, and the lines of the status page and the probe command. */
    static void report(String target, EtcdAnswers.MemberList list, List<MemberView> views, QuorumVerdict v,
                       long leaderChanges, List<Sample> samples, Map<String, String> details) {
        samples.add(EtcdMetrics.MEMBERS.sample(v.members(), target));
        samples.add(EtcdMetrics.MEMBERS_HEALTHY.sample(v.healthy(), target));
        samples.add(EtcdMetrics.QUORUM_SIZE.sample(v.quorumSize(), target));
        samples.add(EtcdMetrics.QUORUM_OK.sample(v.quorumOk() ? 1 : 0, target));
        samples.add(EtcdMetrics.FAULT_TOLERANCE.sample(v.faultTolerance(), target));
        samples.add(EtcdMetrics.LEADER_AGREEMENT.sample(v.leaderAgreement() ? 1 : 0, target));
        samples.add(EtcdMetrics.LEARNERS.sample(v.learners(), target));
        samples.add(EtcdMetrics.LEADER_CHANGES.sample(leaderChanges, target));
        Optional<List<EtcdAnswers.Alarm>> alarms = views.stream().map(MemberView::alarms)
            .filter(java.util.Objects::nonNull).findFirst();
        Function<BigInteger, String> nameOf = id -> list.members().stream().filter(m -> m.id().equals(id))
            .map(EtcdAnswers.Member::label).findFirst().orElse(id.toString(16));

        details.put("cluster", list.clusterId().toString(16));
        details.put("members", v.members() + " voting, " + v.healthy() + " healthy, " + v.learners() + " learner(s)");
        details.put("quorum", v.quorumSize() + " needed: " + (v.quorumOk() ? "ok" : "LOST") + ", fault tolerance "
            + v.faultTolerance());
        details.put("leader", v.leader().map(nameOf).orElse("none")
            + (v.anyUp() ? (v.leaderAgreement() ? " (all members that answered agree)" : " (members disagree)") : ""));
        for (MemberView mv : views) {
            EtcdAnswers.Member m = mv.member();
            String name = m.label();
            String endpoint = m.clientUrls().isEmpty() ? "" : m.clientUrls().get(0);
            samples.add(EtcdMetrics.MEMBER_UP.sample(mv.up() ? 1 : 0, target, name));
            samples.add(EtcdMetrics.MEMBER_HEALTHY.sample(mv.healthy() ? 1 : 0, target, name));
            EtcdAnswers.Status s = mv.status();
            boolean learner = m.learner() || (s != null && s.learner());
            samples.add(EtcdMetrics.MEMBER_INFO.sample(1, target, name, m.hexId(), s == null ? "" : s.version(),
                String.valueOf(learner), endpoint));
            if (s != null) {
                samples.add(EtcdMetrics.MEMBER_IS_LEADER.sample(s.leader().equals(m.id()) ? 1 : 0, target, name));
                samples.add(EtcdMetrics.MEMBER_RAFT_TERM.sample(s.raftTerm().doubleValue(), target, name));
                samples.add(EtcdMetrics.MEMBER_APPLY_LAG.sample(s.applyLag(), target, name));
                samples.add(EtcdMetrics.MEMBER_DB_SIZE.sample(s.dbSize(), target, name));
                samples.add(EtcdMetrics.MEMBER_DB_IN_USE.sample(s.dbSizeInUse(), target, name));
                if (s.dbSizeQuota() > 0) {
                    samples.add(EtcdMetrics.MEMBER_DB_QUOTA.sample(s.dbSizeQuota(), target, name));
                }
            }
            alarms.ifPresent(all -> {
                for (String type : EtcdAnswers.ALARM_TYPES) {
                    boolean raised = all.stream().anyMatch(a -> a.memberId().equals(m.id()) && a.type().equals(type));
                    samples.add(EtcdMetrics.MEMBER_ALARM.sample(raised ? 1 : 0, target, name, type));
                }
            });
            details.put("member " + name, describe(mv, s, learner, endpoint));
        }
        alarms.ifPresent(all -> details.put("alarms", all.isEmpty() ? "none" : all.stream()
            .map(a -> a.type() + " on " + nameOf.apply(a.memberId())).toList().toString()));
    }

    private static String nameOf(List<MemberView> views, BigInteger id) {
        return views.stream().map(MemberView::member).filter(m -> m.id().equals(id)).map(EtcdAnswers.Member::label)
            .findFirst().orElse(id.toString(16));
    }

    private static String describe(MemberView mv, EtcdAnswers.Status s, boolean learner, String endpoint) {
        if (s == null) {
            return "DOWN (" + mv.reason() + ") " + mv.message();
        }
        StringBuilder b = new StringBuilder(mv.healthy() ? "healthy" : "up, NOT healthy (" + mv.reason() + ")");
        b.append(s.leader().equals(mv.member().id()) ? ", leader" : learner ? ", learner" : ", follower");
        b.append(", term ").append(s.raftTerm()).append(", version ").append(s.version()).append(", ").append(endpoint);
        if (!s.errors().isEmpty()) {
            b.append(", errors ").append(s.errors());
        }
        return b.toString();
    }

    /** Success while quorum holds and no alarm is raised; otherwise the reason that explains the verdict. */
    static ProbeResult result(List<MemberView> views, QuorumVerdict v, List<Sample> samples,
                                             Map<String, String> details) {
        if (v.quorumOk()) {
            List<String> raised = views.stream().filter(m -> m.alarms() != null).findFirst()
                .map(m -> m.alarms().stream().map(a -> a.type() + " on " + nameOf(views, a.memberId())).toList())
                .orElse(List.of());
            if (!raised.isEmpty()) {
                // as etcd's own /health: an alarm (NOSPACE refuses writes, CORRUPT) makes the cluster unhealthy
                return ProbeResult.failed(Reasons.UNHEALTHY, "quorum holds but alarms are raised: " + raised, samples,
                    details);
            }
            return ProbeResult.ok(samples, details);
        }
        String summary = v.healthy() + " of " + v.members() + " voting members healthy, " + v.quorumSize()
            + " needed for quorum";
        if (!v.anyUp()) {
            MemberView first = views.get(0);
            return ProbeResult.failed(first.reason(), "no member answered: " + first.message(), samples, details);
        }
        boolean anyLeader = views.stream().anyMatch(m -> m.up() && m.status().hasLeader());
        if (!anyLeader) {
            return ProbeResult.failed(Reasons.NO_LEADER, "no member knows a leader: " + summary, samples, details);
        }
        return ProbeResult.failed(Reasons.QUORUM_LOST, summary, samples, details);
    }
}
