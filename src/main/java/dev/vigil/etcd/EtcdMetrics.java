package dev.vigil.etcd;

import dev.vigil.probe.MetricFamily;
import java.util.List;

/** Every metric of kind {@code etcd}, in one place: this package's README.md, the golden output and the probes name these. */
final class EtcdMetrics {
    private EtcdMetrics() {
    }

    // cluster mode: the verdict over all members
    static final MetricFamily MEMBERS = MetricFamily.gauge("vigil_etcd_members",
        "Voting members in the member list (learners excluded).", "target");
    static final MetricFamily MEMBERS_HEALTHY = MetricFamily.gauge("vigil_etcd_members_healthy",
        "Voting members that answered a linearizable read within the deadline.", "target");
    static final MetricFamily QUORUM_SIZE = MetricFamily.gauge("vigil_etcd_quorum_size",
        "Voting members needed for quorum: floor(members/2)+1.", "target");
    static final MetricFamily QUORUM_OK = MetricFamily.gauge("vigil_etcd_quorum_ok",
        "1 if healthy voting members reach the quorum size.", "target");
    static final MetricFamily FAULT_TOLERANCE = MetricFamily.gauge("vigil_etcd_fault_tolerance",
        "Healthy voting members minus quorum size: how many more may fail (negative: quorum lost by that many).",
        "target");
    static final MetricFamily LEADER_AGREEMENT = MetricFamily.gauge("vigil_etcd_leader_agreement",
        "1 if every member that answered names the same leader.", "target");
    static final MetricFamily LEARNERS = MetricFamily.gauge("vigil_etcd_learners",
        "Learner (non-voting) members in the member list.", "target");
    static final MetricFamily LEADER_CHANGES = MetricFamily.counter("vigil_etcd_leader_changes_total",
        "Leader changes observed by this agent since it started.", "target");
    static final MetricFamily CLIENT_CERT_EXPIRY = MetricFamily.gauge(
        "vigil_etcd_client_cert_expiry_timestamp_seconds",
        "Expiry (notAfter) of the client certificate the agent uses, as a Unix timestamp.", "target");

    // cluster mode: per member
    static final MetricFamily MEMBER_UP = MetricFamily.gauge("vigil_etcd_member_up",
        "1 if the member answered its status within the deadline.", "target", "member");
    static final MetricFamily MEMBER_HEALTHY = MetricFamily.gauge("vigil_etcd_member_healthy",
        "1 if the member answered a linearizable read (the check of etcdctl endpoint health).", "target", "member");
    static final MetricFamily MEMBER_IS_LEADER = MetricFamily.gauge("vigil_etcd_member_is_leader",
        "1 if the member is the leader by its own status.", "target", "member");
    static final MetricFamily MEMBER_RAFT_TERM = MetricFamily.gauge("vigil_etcd_member_raft_term",
        "The member's raft term.", "target", "member");
    static final MetricFamily MEMBER_APPLY_LAG = MetricFamily.gauge("vigil_etcd_member_apply_lag",
        "Raft entries committed but not yet applied by the member (raft index minus applied index).",
        "target", "member");
    static final MetricFamily MEMBER_DB_SIZE = MetricFamily.gauge("vigil_etcd_member_db_size_bytes",
        "Size of the member's backend database file.", "target", "member");
    static final MetricFamily MEMBER_DB_IN_USE = MetricFamily.gauge("vigil_etcd_member_db_size_in_use_bytes",
        "Bytes of the member's backend database in use (the rest is free after compaction until defrag).",
        "target", "member");
    static final MetricFamily MEMBER_DB_QUOTA = MetricFamily.gauge("vigil_etcd_member_db_quota_bytes",
        "The member's backend quota (--quota-backend-bytes), where the member reports it (etcd 3.6+).",
        "target", "member");
    static final MetricFamily MEMBER_ALARM = MetricFamily.gauge("vigil_etcd_member_alarm",
        "1 if the alarm (NOSPACE, CORRUPT) is raised for the member.", "target", "member", "alarm");
    static final MetricFamily MEMBER_INFO = MetricFamily.info("vigil_etcd_member_info",
        "Attributes of a member: id (hex, as etcdctl prints it), version, learner, client URL.",
        "target", "member", "member_id", "version", "learner", "endpoint");

    // local mode: the member on this node, through its certificate-free listener
    static final MetricFamily LOCAL_UP = MetricFamily.gauge("vigil_etcd_local_up",
        "1 if the local member answered on its metrics/health listener.", "target");
    static final MetricFamily LOCAL_HEALTH = MetricFamily.gauge("vigil_etcd_local_health",
        "1 if the local member's /health is true (it includes a read that needs quorum).", "target");
    static final MetricFamily LOCAL_READY = MetricFamily.gauge("vigil_etcd_local_ready",
        "1 if the local member's /readyz answers ok (only where etcd serves it: 3.4.29+, 3.5.11+).", "target");
    static final MetricFamily LOCAL_HAS_LEADER = MetricFamily.gauge("vigil_etcd_local_has_leader",
        "1 if the local member knows a leader (etcd_server_has_leader).", "target");
    static final MetricFamily LOCAL_IS_LEADER = MetricFamily.gauge("vigil_etcd_local_is_leader",
        "1 if the local member is the leader (etcd_server_is_leader).", "target");
    static final MetricFamily LOCAL_IS_LEARNER = MetricFamily.gauge("vigil_etcd_local_is_learner",
        "1 if the local member is a learner (etcd_server_is_learner).", "target");
    static final MetricFamily LOCAL_DB_SIZE = MetricFamily.gauge("vigil_etcd_local_db_size_bytes",
        "Size of the local member's backend database file.", "target");
    static final MetricFamily LOCAL_DB_IN_USE = MetricFamily.gauge("vigil_etcd_local_db_size_in_use_bytes",
        "Bytes of the local member's backend database in use.", "target");
    static final MetricFamily LOCAL_DB_QUOTA = MetricFamily.gauge("vigil_etcd_local_db_quota_bytes",
        "The local member's backend quota: NOSPACE is raised when the database reaches it.", "target");
    static final MetricFamily LOCAL_ACTIVE_PEERS = MetricFamily.gauge("vigil_etcd_local_active_peers",
        "Peers the local member has an active connection to (etcd_network_active_peers).", "target");
    static final MetricFamily LOCAL_CLUSTER_MEMBERS = MetricFamily.gauge("vigil_etcd_local_cluster_members",
        "Members of the cluster as the local member sees them: itself and every peer on its peer metrics.", "target");
    static final MetricFamily LOCAL_MEMBERS_REACHABLE = MetricFamily.gauge("vigil_etcd_local_members_reachable",
        "Members the local member reaches now: itself and its peers with an active connection.", "target");
    static final MetricFamily LOCAL_QUORUM_OK = MetricFamily.gauge("vigil_etcd_local_quorum_ok",
        "1 if, as the local member sees it, the cluster has quorum: it knows a leader and reaches a quorum of members.",
        "target");
    static final MetricFamily LOCAL_FAULT_TOLERANCE = MetricFamily.gauge("vigil_etcd_local_fault_tolerance",
        "Members the cluster can still lose, as the local member sees it: reachable minus quorum (negative: lost).",
        "target");
    static final MetricFamily LOCAL_INFO = MetricFamily.info("vigil_etcd_local_info",
        "Attributes of the local member: id (hex), server and cluster version.",
        "target", "member_id", "version", "cluster_version");

    // local mode: what comes before an outage (MemberSignals). A window without observations repeats the last p99 for up
    // to LatencyWindows.CARRY_RUNS runs, then gives NaN (LatencyWindows)
    static final MetricFamily LOCAL_WAL_FSYNC_P99 = MetricFamily.gauge("vigil_etcd_local_wal_fsync_p99_seconds",
        "99th percentile of the member's WAL fsync latency since the previous run (etcd_disk_wal_fsync_duration_seconds "
            + "bucket deltas).", "target");
    static final MetricFamily LOCAL_WAL_FSYNC_SECONDS = MetricFamily.counter("vigil_etcd_local_wal_fsync_seconds_total",
        "Seconds the member spent in WAL fsyncs (etcd_disk_wal_fsync_duration_seconds_sum).", "target");
    static final MetricFamily LOCAL_WAL_FSYNCS = MetricFamily.counter("vigil_etcd_local_wal_fsyncs_total",
        "WAL fsyncs of the member (etcd_disk_wal_fsync_duration_seconds_count).", "target");
    static final MetricFamily LOCAL_BACKEND_COMMIT_P99 = MetricFamily.gauge("vigil_etcd_local_backend_commit_p99_seconds",
        "99th percentile of the member's backend commit latency since the previous run "
            + "(etcd_disk_backend_commit_duration_seconds bucket deltas).", "target");
    static final MetricFamily LOCAL_BACKEND_COMMIT_SECONDS = MetricFamily.counter(
        "vigil_etcd_local_backend_commit_seconds_total",
        "Seconds the member spent in backend commits (etcd_disk_backend_commit_duration_seconds_sum).", "target");
    static final MetricFamily LOCAL_BACKEND_COMMITS = MetricFamily.counter("vigil_etcd_local_backend_commits_total",
        "Backend commits of the member (etcd_disk_backend_commit_duration_seconds_count).", "target");
    static final MetricFamily LOCAL_PEER_RTT_P99 = MetricFamily.gauge("vigil_etcd_local_peer_rtt_p99_seconds",
        "99th percentile of the round-trip time to a peer since the previous run "
            + "(etcd_network_peer_round_trip_time_seconds bucket deltas).",
        "target", "peer");
    static final MetricFamily LOCAL_PEER_SENT_FAILURES = MetricFamily.counter("vigil_etcd_local_peer_sent_failures_total",
        "Messages the member failed to send to a peer (etcd_network_peer_sent_failures_total).", "target", "peer");
    static final MetricFamily LOCAL_PROPOSALS_COMMITTED = MetricFamily.counter(
        "vigil_etcd_local_proposals_committed_total",
        "Raft proposals committed: the member's commit index (etcd_server_proposals_committed_total).", "target");
    static final MetricFamily LOCAL_PROPOSALS_APPLIED = MetricFamily.counter("vigil_etcd_local_proposals_applied_total",
        "Raft proposals applied: the member's applied index (etcd_server_proposals_applied_total).", "target");
    static final MetricFamily LOCAL_PROPOSALS_FAILED = MetricFamily.counter("vigil_etcd_local_proposals_failed_total",
        "Raft proposals that failed (etcd_server_proposals_failed_total): lost leader, no quorum, timeouts.", "target");
    static final MetricFamily LOCAL_PROPOSALS_PENDING = MetricFamily.gauge("vigil_etcd_local_proposals_pending",
        "Raft proposals waiting to commit (etcd_server_proposals_pending).", "target");
    static final MetricFamily LOCAL_APPLY_LAG = MetricFamily.gauge("vigil_etcd_local_apply_lag",
        "Entries committed but not yet applied by the member: proposals committed minus applied.", "target");
    static final MetricFamily LOCAL_SLOW_APPLIES = MetricFamily.counter("vigil_etcd_local_slow_applies_total",
        "Applies that took longer than 100 ms (etcd_server_slow_apply_total).", "target");
    static final MetricFamily LOCAL_SLOW_READ_INDEXES = MetricFamily.counter("vigil_etcd_local_slow_read_indexes_total",
        "Read-index requests (linearizable reads) that timed out (etcd_server_slow_read_indexes_total).", "target");
    static final MetricFamily LOCAL_HEARTBEAT_SEND_FAILURES = MetricFamily.counter(
        "vigil_etcd_local_heartbeat_send_failures_total",
        "Heartbeats the leader failed to send on time (etcd_server_heartbeat_send_failures_total).", "target");
    static final MetricFamily LOCAL_DB_FRAGMENTATION = MetricFamily.gauge("vigil_etcd_local_db_fragmentation_ratio",
        "Fraction of the backend database file not in use: 1 - size in use / size (defragmentation frees it).",
        "target");
    static final MetricFamily LOCAL_GRPC_REQUESTS = MetricFamily.counter("vigil_etcd_local_grpc_requests_total",
        "Unary gRPC requests the member handled, every code (grpc_server_handled_total, Defragment excluded).",
        "target");
    static final MetricFamily LOCAL_GRPC_FAILED = MetricFamily.counter("vigil_etcd_local_grpc_requests_failed_total",
        "Unary gRPC requests the member failed, by server-side failure code (grpc_server_handled_total).",
        "target", "code");
    static final MetricFamily LOCAL_GRPC_P99 = MetricFamily.gauge("vigil_etcd_local_grpc_unary_p99_seconds",
        "99th percentile of unary gRPC request latency since the previous run (grpc_server_handling_seconds, "
            + "served with --metrics=extensive only).", "target");

    static final List<MetricFamily> ALL = List.of(MEMBERS, MEMBERS_HEALTHY, QUORUM_SIZE, QUORUM_OK, FAULT_TOLERANCE,
        LEADER_AGREEMENT, LEARNERS, LEADER_CHANGES, CLIENT_CERT_EXPIRY, MEMBER_UP, MEMBER_HEALTHY, MEMBER_IS_LEADER,
        MEMBER_RAFT_TERM, MEMBER_APPLY_LAG, MEMBER_DB_SIZE, MEMBER_DB_IN_USE, MEMBER_DB_QUOTA, MEMBER_ALARM, MEMBER_INFO, LOCAL_UP,
        LOCAL_HEALTH, LOCAL_READY, LOCAL_HAS_LEADER, LOCAL_IS_LEADER, LOCAL_IS_LEARNER, LOCAL_DB_SIZE, LOCAL_DB_IN_USE,
        LOCAL_DB_QUOTA, LOCAL_ACTIVE_PEERS, LOCAL_CLUSTER_MEMBERS, LOCAL_MEMBERS_REACHABLE, LOCAL_QUORUM_OK,
        LOCAL_FAULT_TOLERANCE, LOCAL_INFO, LOCAL_WAL_FSYNC_P99, LOCAL_WAL_FSYNC_SECONDS, LOCAL_WAL_FSYNCS,
        LOCAL_BACKEND_COMMIT_P99, LOCAL_BACKEND_COMMIT_SECONDS, LOCAL_BACKEND_COMMITS, LOCAL_PEER_RTT_P99,
        LOCAL_PEER_SENT_FAILURES, LOCAL_PROPOSALS_COMMITTED, LOCAL_PROPOSALS_APPLIED, LOCAL_PROPOSALS_FAILED,
        LOCAL_PROPOSALS_PENDING, LOCAL_APPLY_LAG, LOCAL_SLOW_APPLIES, LOCAL_SLOW_READ_INDEXES,
        LOCAL_HEARTBEAT_SEND_FAILURES, LOCAL_DB_FRAGMENTATION, LOCAL_GRPC_REQUESTS, LOCAL_GRPC_FAILED, LOCAL_GRPC_P99);
}
