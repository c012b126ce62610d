package dev.vigil.etcd;

import java.math.BigInteger;

/**
 * Leader changes as this agent observes them across runs. Cluster mode: each time the agreed leader differs from the
 * last one seen. Local mode: the increase of the member's own {@code etcd_server_leader_changes_seen_total}, which
 * restarts from zero with the member (a decrease is a restart, not a change). A member counts the first leader it
 * learns after its start too (0 to 1): that is the member finding the cluster, not the cluster changing leader, so a
 * step from 0 counts one less. Runs of one probe never overlap.
 */
final class LeaderChanges {
    private BigInteger lastLeader;
    private double lastCounter = Double.NaN;
    private long total;

    void observeLeader(BigInteger leader) {
        if (leader == null || leader.signum() == 0) {
            return;
        }
        if (lastLeader != null && !lastLeader.equals(leader)) {
            total++;
        }
        lastLeader = leader;
    }

    void observeCounter(double seen) {
        if (!Double.isNaN(lastCounter) && seen > lastCounter) {
            total += (long) (seen - lastCounter) - (lastCounter == 0 ? 1 : 0);
        }
        lastCounter = seen;
    }

    long total() {
        return total;
    }
}
