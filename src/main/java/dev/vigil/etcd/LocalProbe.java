package dev.vigil.etcd;

import dev.vigil.net.Json;
import dev.vigil.net.BadResponse;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;

/**
 * Local mode: the member on this node, through the listener that serves {@code /health}, {@code /readyz} and
 * {@code /metrics} without a client certificate. Nothing read this way gives access to keys. The three pages are
 * fetched in parallel; {@code /health} carries etcd's own quorum-backed verdict.
 */
final class LocalProbe implements Probe {
    private final String target;
    private final URI endpoint;
    private final EtcdHttp http;
    private final LeaderChanges leaderChanges = new LeaderChanges();
    private final LatencyWindows windows = new LatencyWindows();

    LocalProbe(String target, EtcdKind.Spec spec) {
        this.target = target;
        this.endpoint = spec.endpoints().get(0);
        javax.net.ssl.SSLContext ssl = null;
        if ("https".equals(endpoint.getScheme())) {
            try {
                ssl = dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(spec.ca(), null, null)).context();
            } catch (dev.vigil.net.ClientTls.Unusable e) {
                ssl = null; // reported at configuration time; the handshake will then fail with handshake_failed
            }
        }
        this.http = new EtcdHttp(ssl, spec.ipFamily());
    }

    @Override
    public ProbeResult run(Deadline deadline) throws InterruptedException {
        Duration budget = Budgets.forRequests(deadline);
        CompletableFuture<dev.vigil.net.BoundedHttp.Answer> health = http.get(endpoint, "/health", budget);
        CompletableFuture<dev.vigil.net.BoundedHttp.Answer> ready = http.get(endpoint, "/readyz", budget);
        CompletableFuture<MetricsPage> metrics = http.metrics(endpoint, budget);
        Budgets.await(deadline, health, ready, metrics);

        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("endpoint", endpoint.toString());
        ProbeFailure healthFailure = null;
        Boolean healthy = null;
        String healthText = "";
        try {
            dev.vigil.net.BoundedHttp.Answer a = health.join();
            healthText = a.text().trim();
            Json j = Json.parse(a.body());
            healthy = "true".equals(j.get("health").text(""));
            String why = j.get("reason").text("");
            details.put("health", healthy + (why.isEmpty() ? "" : " (" + why + ")") + ", HTTP " + a.status());
        } catch (BadResponse e) {
            healthFailure = new ProbeFailure(Reasons.BAD_RESPONSE, "GET /health: not etcd's answer: "
                + abbreviate(healthText));
        } catch (RuntimeException e) {
            healthFailure = EtcdHttp.failure(e, "GET " + endpoint.resolve("/health"));
        }
        MetricsPage page = null;
        ProbeFailure metricsFailure = null;
        try {
            page = metrics.join();
        } catch (RuntimeException e) {
            metricsFailure = EtcdHttp.failure(e, "GET " + endpoint.resolve("/metrics"));
        }
        boolean up = healthy != null || page != null;
        samples.add(EtcdMetrics.LOCAL_UP.sample(up ? 1 : 0, target));
        if (healthy != null) {
            samples.add(EtcdMetrics.LOCAL_HEALTH.sample(healthy ? 1 : 0, target));
        }
        readiness(ready, samples, details);
        if (page != null) {
            addPage(page, samples, details);
        }
        samples.add(EtcdMetrics.LEADER_CHANGES.sample(leaderChanges.total(), target));

        if (!up) {
            ProbeFailure f = healthFailure != null ? healthFailure : metricsFailure;
            return ProbeResult.failed(f.reason(), f.getMessage(), samples, details);
        }
        // no leader explains a /health that timed out or said false, so it comes first
        if (page != null && page.hasLeader().orElse(1) == 0) {
            return ProbeResult.failed(Reasons.NO_LEADER, "the local member knows no leader: quorum is lost or an "
                + "election is under way", samples, details);
        }
        if (healthFailure != null) {
            return ProbeResult.failed(healthFailure.reason(), healthFailure.getMessage(), samples, details);
        }
        if (metricsFailure != null) {
            return ProbeResult.failed(metricsFailure.reason(), metricsFailure.getMessage(), samples, details);
        }
        if (!healthy) {
            return ProbeResult.failed(Reasons.UNHEALTHY, "the local member reports itself unhealthy although it has a "
                + "leader (an alarm such as NOSPACE, or a read that needs quorum failed)", samples, details);
        }
        return ProbeResult.ok(samples, details);
    }

    private void readiness(CompletableFuture<dev.vigil.net.BoundedHttp.Answer> ready, List<Sample> samples, Map<String, String> details) {
        try {
            dev.vigil.net.BoundedHttp.Answer a = ready.join();
            if (a.status() == 404) {
                return; // /readyz arrived in 3.4.29 and 3.5.11: older members do not serve it
            }
            samples.add(EtcdMetrics.LOCAL_READY.sample(a.status() == 200 ? 1 : 0, target));
            details.put("readyz", "HTTP " + a.status());
        } catch (RuntimeException e) {
            // the failure is reported through /health and /metrics
        }
    }

    private void addPage(MetricsPage page, List<Sample> samples, Map<String, String> details) {
        add(samples, EtcdMetrics.LOCAL_HAS_LEADER, page.hasLeader());
        add(samples, EtcdMetrics.LOCAL_IS_LEADER, page.isLeader());
        add(samples, EtcdMetrics.LOCAL_IS_LEARNER, page.isLearner());
        add(samples, EtcdMetrics.LOCAL_DB_SIZE, page.dbSize());
        add(samples, EtcdMetrics.LOCAL_DB_IN_USE, page.dbSizeInUse());
        add(samples, EtcdMetrics.LOCAL_DB_QUOTA, page.quotaBytes());
        samples.add(EtcdMetrics.LOCAL_ACTIVE_PEERS.sample(page.activePeers(), target));
        samples.add(EtcdMetrics.LOCAL_CLUSTER_MEMBERS.sample(page.clusterMembers(), target));
        samples.add(EtcdMetrics.LOCAL_MEMBERS_REACHABLE.sample(page.membersReachable(), target));
        samples.add(EtcdMetrics.LOCAL_QUORUM_OK.sample(page.quorumOk() ? 1 : 0, target));
        samples.add(EtcdMetrics.LOCAL_FAULT_TOLERANCE.sample(page.membersReachable() - page.quorumSize(), target));
        samples.add(EtcdMetrics.LOCAL_INFO.sample(1, target, page.serverId(), page.version(), page.clusterVersion()));
        page.leaderChangesSeen().ifPresent(leaderChanges::observeCounter);
        addSignals(page, samples, details);
        details.put("member", page.serverId() + " version " + page.version());
        details.put("leader", page.hasLeader().orElse(0) > 0
            ? (page.isLeader().orElse(0) > 0 ? "this member" : "another member") : "none");
        details.put("cluster view", page.membersReachable() + " of " + page.clusterMembers() + " members reachable, quorum "
            + page.quorumSize() + (page.quorumOk() ? "" : " (not met)"));
        if (page.dbSize().isPresent()) {
            details.put("db size", String.format("%.0f bytes (in use %.0f, quota %.0f)", page.dbSize().getAsDouble(),
                page.dbSizeInUse().orElse(Double.NaN), page.quotaBytes().orElse(Double.NaN)));
        }
    }

    /** Disk, network, raft and gRPC signals; the p99s cover the window since the previous run. */
    private void addSignals(MetricsPage page, List<Sample> samples, Map<String, String> details) {
        MemberSignals s = page.signals();
        if (page.dbSize().isPresent() && page.dbSizeInUse().isPresent() && page.dbSize().getAsDouble() > 0) {
            double ratio = 1 - page.dbSizeInUse().getAsDouble() / page.dbSize().getAsDouble();
            samples.add(EtcdMetrics.LOCAL_DB_FRAGMENTATION.sample(Math.max(0, ratio), target));
        }
        if (s.walFsync().present()) {
            double p99 = windows.p99("wal", s.walFsync());
            samples.add(EtcdMetrics.LOCAL_WAL_FSYNC_P99.sample(p99, target));
            samples.add(EtcdMetrics.LOCAL_WAL_FSYNC_SECONDS.sample(s.walFsync().sum(), target));
            samples.add(EtcdMetrics.LOCAL_WAL_FSYNCS.sample(s.walFsync().count(), target));
            details.put("wal fsync p99", millis(p99));
        }
        if (s.backendCommit().present()) {
            double p99 = windows.p99("commit", s.backendCommit());
            samples.add(EtcdMetrics.LOCAL_BACKEND_COMMIT_P99.sample(p99, target));
            samples.add(EtcdMetrics.LOCAL_BACKEND_COMMIT_SECONDS.sample(s.backendCommit().sum(), target));
            samples.add(EtcdMetrics.LOCAL_BACKEND_COMMITS.sample(s.backendCommit().count(), target));
            details.put("backend commit p99", millis(p99));
        }
        s.peerRoundTrip().forEach((peer, h) -> samples.add(
            EtcdMetrics.LOCAL_PEER_RTT_P99.sample(windows.p99("peer " + peer, h), target, peer)));
        s.peerSentFailures().forEach((peer, v) -> samples.add(
            EtcdMetrics.LOCAL_PEER_SENT_FAILURES.sample(v, target, peer)));
        add(samples, EtcdMetrics.LOCAL_PROPOSALS_COMMITTED, s.proposal("committed"));
        add(samples, EtcdMetrics.LOCAL_PROPOSALS_APPLIED, s.proposal("applied"));
        add(samples, EtcdMetrics.LOCAL_PROPOSALS_FAILED, s.proposal("failed"));
        add(samples, EtcdMetrics.LOCAL_PROPOSALS_PENDING, s.proposal("pending"));
        add(samples, EtcdMetrics.LOCAL_APPLY_LAG, s.applyLag());
        add(samples, EtcdMetrics.LOCAL_SLOW_APPLIES, s.slowApplies());
        add(samples, EtcdMetrics.LOCAL_SLOW_READ_INDEXES, s.slowReadIndexes());
        add(samples, EtcdMetrics.LOCAL_HEARTBEAT_SEND_FAILURES, s.heartbeatSendFailures());
        add(samples, EtcdMetrics.LOCAL_GRPC_REQUESTS, s.grpcRequests());
        s.grpcFailures().forEach((code, v) -> samples.add(EtcdMetrics.LOCAL_GRPC_FAILED.sample(v, target, code)));
        if (s.grpcHandling().present()) {
            samples.add(EtcdMetrics.LOCAL_GRPC_P99.sample(windows.p99("grpc", s.grpcHandling()), target));
        }
        windows.next();
    }

    private static String millis(double seconds) {
        return Double.isNaN(seconds) ? "no observation since the previous run" : String.format("%.1f ms", seconds * 1000);
    }

    private void add(List<Sample> samples, dev.vigil.probe.MetricFamily family, OptionalDouble value) {
        if (value.isPresent()) {
            samples.add(family.sample(value.getAsDouble(), target));
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }
}
