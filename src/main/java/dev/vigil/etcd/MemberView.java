package dev.vigil.etcd;

import java.util.List;

/**
 * What one member answered in one run. {@code up}: its status arrived; {@code healthy}: a linearizable read
 * succeeded, so the member is part of a working quorum. {@code reason}/{@code message} say why not, when not.
 */
record MemberView(EtcdAnswers.Member member, EtcdAnswers.Status status, boolean healthy,
                  List<EtcdAnswers.Alarm> alarms, String reason, String message) {
    boolean up() {
        return status != null;
    }

    static MemberView down(EtcdAnswers.Member member, String reason, String message) {
        return new MemberView(member, null, false, null, reason, message);
    }
}
