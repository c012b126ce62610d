package dev.vigil.etcd;

import dev.vigil.net.Json;
import dev.vigil.net.BadResponse;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsers of the etcd JSON gateway's answers (etcd 3.4 to 3.6), pure functions over bytes. The gateway writes uint64
 * fields as decimal strings, mixes snake and camel case, and omits every field at its zero value.
 */
final class EtcdAnswers {
    private EtcdAnswers() {
    }

    /** One member of {@code /v3/cluster/member/list}. A member added but not started yet has no name. */
    record Member(BigInteger id, String name, List<String> peerUrls, List<String> clientUrls, boolean learner) {
        String hexId() {
            return id.toString(16);
        }

        /** The name for labels: the member's name, or its hex id while it has none (not started yet). */
        String label() {
            return name.isEmpty() ? hexId() : name;
        }
    }

    record MemberList(BigInteger clusterId, BigInteger respondingMember, List<Member> members) {
    }

    /**
     * {@code /v3/maintenance/status} of one member. {@code leader} is 0 when the member knows no leader (the field is
     * then absent); {@code errors} holds what the member reports about itself, such as "etcdserver: no leader".
     * {@code dbSizeQuota} arrived in 3.6 (0 before).
     */
    record Status(BigInteger memberId, String version, double dbSize, double dbSizeInUse, BigInteger leader,
                  BigInteger raftIndex, BigInteger raftTerm, BigInteger raftAppliedIndex, boolean learner,
                  List<String> errors, double dbSizeQuota) {
        boolean hasLeader() {
            return leader.signum() != 0;
        }

        /** Entries committed but not yet applied; 0 when the member reports no applied index (before 3.4). */
        double applyLag() {
            if (raftAppliedIndex.signum() == 0) {
                return 0;
            }
            return Math.max(0, raftIndex.subtract(raftAppliedIndex).doubleValue());
        }
    }

    record Alarm(BigInteger memberId, String type) {
    }

    static final List<String> ALARM_TYPES = List.of("NOSPACE", "CORRUPT");

    static MemberList memberList(byte[] body) throws BadResponse {
        Json root = object(body);
        Json header = root.get("header");
        List<Member> members = new ArrayList<>();
        for (Json m : root.get("members").array()) {
            members.add(new Member(m.get("ID").uint64(BigInteger.ZERO), m.get("name").text(""), strings(m.get("peerURLs")),
                strings(m.get("clientURLs")), m.get("isLearner").bool()));
        }
        if (members.isEmpty()) {
            throw new BadResponse("member list without members");
        }
        return new MemberList(header.get("cluster_id").uint64(BigInteger.ZERO),
            header.get("member_id").uint64(BigInteger.ZERO), List.copyOf(members));
    }

    static Status status(byte[] body) throws BadResponse {
        Json root = object(body);
        Json header = root.get("header");
        if (header.isMissing() && root.get("version").isMissing()) {
            throw new BadResponse("not a maintenance status answer");
        }
        BigInteger zero = BigInteger.ZERO;
        return new Status(header.get("member_id").uint64(zero), root.get("version").text(""),
            root.get("dbSize").number(), root.get("dbSizeInUse").number(), root.get("leader").uint64(zero),
            root.get("raftIndex").uint64(zero), root.get("raftTerm").uint64(header.get("raft_term").uint64(zero)),
            root.get("raftAppliedIndex").uint64(zero), root.get("isLearner").bool(), strings(root.get("errors")),
            root.get("dbSizeQuota").number());
    }

    static List<Alarm> alarms(byte[] body) throws BadResponse {
        Json root = object(body);
        List<Alarm> out = new ArrayList<>();
        for (Json a : root.get("alarms").array()) {
            String type = a.get("alarm").text("NONE");
            // an enum written as its number by gateways that emit enums as integers
            type = switch (type) {
                case "1" -> "NOSPACE";
                case "2" -> "CORRUPT";
                case "0" -> "NONE";
                default -> type;
            };
            if (!type.equals("NONE")) {
                out.add(new Alarm(a.get("memberID").uint64(BigInteger.ZERO), type));
            }
        }
        return List.copyOf(out);
    }

    /** A linearizable range answered: a header with a revision (absent only at revision 0, never in practice). */
    static void rangeAnswered(byte[] body) throws BadResponse {
        Json root = object(body);
        if (root.get("header").isMissing()) {
            throw new BadResponse("range answer without header");
        }
    }

    /**
     * The gateway's error body ({@code {"error":..,"message":..,"code":14}}) as one line, or empty when the body is not
     * one.
     */
    static String gatewayError(byte[] body) {
        try {
            Json root = Json.parse(body);
            return root.get("message").text(root.get("error").text(""));
        } catch (BadResponse e) {
            return "";
        }
    }

    private static Json object(byte[] body) throws BadResponse {
        Json root = Json.parse(body);
        if (!root.isObject()) {
            throw new BadResponse("expected a JSON object");
        }
        return root;
    }

    private static List<String> strings(Json array) {
        return array.array().stream().map(j -> j.text("")).filter(s -> !s.isEmpty()).toList();
    }
}
