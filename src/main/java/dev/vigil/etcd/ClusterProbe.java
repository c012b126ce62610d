package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import dev.vigil.net.ClientTls;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cluster mode: the member list from the configured endpoints, then every member asked directly and in parallel
 * through the JSON gateway (status, a linearizable read as the quorum test like {@code etcdctl endpoint health}, and
 * the alarms), each within the run's deadline. A member that hangs (etcd does when quorum is lost) is down at the
 * deadline. The verdict comes from the members' own answers.
 */
final class ClusterProbe implements Probe {
    /** base64 of "vigil/probe": the key the quorum read asks for (it need not exist). */
    static final String RANGE_BODY = "{\"key\":\"dmlnaWwvcHJvYmU=\"}";

    private final String target;
    private final EtcdKind.Spec spec;
    private final ClientTls tls;
    private final boolean tlsNeeded;
    private final LeaderChanges leaderChanges = new LeaderChanges();
    private EtcdHttp http;
    private javax.net.ssl.SSLContext sslContext;
    private EtcdAnswers.MemberList lastMembers;

    ClusterProbe(String target, EtcdKind.Spec spec) {
        this.target = target;
        this.spec = spec;
        this.tls = new ClientTls(ClientTls.Files.of(spec.ca(), spec.cert(), spec.key()));
        this.tlsNeeded = spec.ca() != null || spec.cert() != null
            || spec.endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    @Override
    public ProbeResult run(Deadline deadline) throws InterruptedException {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        try {
            prepareClient(samples, details);
        } catch (ClientTls.Unusable e) {
            return ProbeResult.failed(e.reason(), "cannot load the TLS files: " + e.getMessage(), samples, details);
        }
        EtcdAnswers.MemberList list;
        try {
            list = memberList(deadline);
            // members in name order (etcd lists them by id), so the probe command reads m1, m2, m3
            list = new EtcdAnswers.MemberList(list.clusterId(), list.respondingMember(), list.members().stream()
                .sorted(java.util.Comparator.comparing(EtcdAnswers.Member::label)).toList());
            lastMembers = list;
        } catch (ProbeFailure failure) {
            ProbeFailure f = diagnose(failure, deadline);
            // without TLS to the endpoints no member would answer either: say why, rather than "all down"
            if (lastMembers == null || f.reason().equals(Reasons.AUTH_REJECTED)
                || f.reason().equals(Reasons.HANDSHAKE_FAILED)) {
                samples.add(EtcdMetrics.LEADER_CHANGES.sample(leaderChanges.total(), target));
                return ProbeResult.failed(f.reason(), f.getMessage(), samples, details);
            }
            list = lastMembers;
            details.put("member list", "unavailable (" + f.getMessage() + "); using the list of an earlier run");
        }
        List<MemberView> views = askMembers(list, deadline);
        QuorumVerdict verdict = QuorumVerdict.of(views);
        if (verdict.leaderAgreement()) {
            verdict.leader().ifPresent(leaderChanges::observeLeader);
        }
        ClusterReport.report(target, list, views, verdict, leaderChanges.total(), samples, details);
        return ClusterReport.result(views, verdict, samples, details);
    }

    /** A lost connection with a client certificate presented: ask the server whether it refused the certificate. */
    private ProbeFailure diagnose(ProbeFailure f, Deadline deadline) {
        boolean lost = f.reason().equals(Reasons.BAD_RESPONSE) && f.getMessage().contains("connection closed");
        if (!(lost || f.reason().equals(Reasons.HANDSHAKE_FAILED)) || spec.cert() == null || sslContext == null) {
            return f;
        }
        for (URI endpoint : spec.endpoints()) {
            if ("https".equals(endpoint.getScheme()) && !deadline.expired()) {
                Optional<String> alert = CertRejection.alert(sslContext, endpoint, spec.ipFamily(),
                    Budgets.forRequests(deadline));
                if (alert.isPresent()) {
                    return new ProbeFailure(Reasons.AUTH_REJECTED, endpoint
                        + ": the server rejected the client certificate (TLS alert " + alert.get() + ")");
                }
            }
        }
        return f;
    }

    private void prepareClient(List<Sample> samples, Map<String, String> details) throws ClientTls.Unusable {
        if (!tlsNeeded) {
            if (http == null) {
                http = new EtcdHttp(null, spec.ipFamily());
            }
            return;
        }
        ClientTls.Current c = tls.current();
        if (c.changed() || http == null) {
            http = new EtcdHttp(c.context(), spec.ipFamily());
            sslContext = c.context();
        }
        c.clientCertificate().ifPresent(cert -> {
            samples.add(EtcdMetrics.CLIENT_CERT_EXPIRY.sample(cert.getNotAfter().getTime() / 1000.0, target));
            details.put("client certificate expires", cert.getNotAfter().toInstant().toString());
        });
    }

    /** The first member list any configured endpoint gives, within half the time left. */
    private EtcdAnswers.MemberList memberList(Deadline deadline) throws ProbeFailure, InterruptedException {
        Duration budget = Budgets.forRequests(deadline).dividedBy(2);
        CompletableFuture<EtcdAnswers.MemberList> first = new CompletableFuture<>();
        ConcurrentLinkedQueue<ProbeFailure> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger pending = new AtomicInteger(spec.endpoints().size());
        for (URI endpoint : spec.endpoints()) {
            call(endpoint, "/v3/cluster/member/list", "{}", budget, EtcdAnswers::memberList)
                .whenComplete((list, error) -> {
                    if (list != null) {
                        first.complete(list);
                        return;
                    }
                    failures.add(EtcdHttp.failure(error, endpoint.toString()));
                    if (pending.decrementAndGet() == 0) {
                        first.completeExceptionally(failures.peek());
                    }
                });
        }
        try {
            return first.get(budget.toMillis() + 50, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw EtcdHttp.failure(e, "");
        } catch (TimeoutException e) {
            throw new ProbeFailure(Reasons.TIMEOUT, "no member list from " + spec.endpoints() + " within "
                + budget.toMillis() + " ms");
        }
    }

    private interface Parser<T> {
        T parse(byte[] body) throws BadResponse;
    }

    /** POSTs to the gateway and parses a 200 answer; other statuses fail with their bounded reason. */
    private <T> CompletableFuture<T> call(URI endpoint, String path, String body, Duration budget, Parser<T> parser) {
        return http.post(endpoint, path, body, budget).thenApply(a -> {
            try {
                if (a.status() == 200) {
                    return parser.parse(a.body());
                }
                throw statusFailure(endpoint, path, a);
            } catch (BadResponse e) {
                throw new java.util.concurrent.CompletionException(
                    new ProbeFailure(Reasons.BAD_RESPONSE, endpoint + path + ": " + e.getMessage()));
            } catch (ProbeFailure f) {
                throw new java.util.concurrent.CompletionException(f);
            }
        });
    }

    private static ProbeFailure statusFailure(URI endpoint, String path, dev.vigil.net.BoundedHttp.Answer a) {
        String error = EtcdAnswers.gatewayError(a.body());
        String where = endpoint + path + ": HTTP " + a.status() + (error.isEmpty() ? "" : " " + error);
        if (a.status() == 401 || a.status() == 403 || error.contains("permission denied")
            || error.contains("user name is empty") || error.contains("invalid auth token")) {
            return new ProbeFailure(Reasons.AUTH_REJECTED, where);
        }
        if (error.contains("no leader")) {
            return new ProbeFailure(Reasons.NO_LEADER, where);
        }
        if (error.contains("timed out") || a.status() == 504) {
            return new ProbeFailure(Reasons.TIMEOUT, where);
        }
        return new ProbeFailure(Reasons.BAD_RESPONSE, where);
    }

    private List<MemberView> askMembers(EtcdAnswers.MemberList list, Deadline deadline) throws InterruptedException {
        Duration budget = Budgets.forRequests(deadline);
        List<CompletableFuture<MemberView>> futures = new ArrayList<>();
        for (EtcdAnswers.Member m : list.members()) {
            futures.add(askMember(m, budget));
        }
        Budgets.await(deadline, futures.toArray(new CompletableFuture<?>[0]));
        List<MemberView> views = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            EtcdAnswers.Member m = list.members().get(i);
            try {
                views.add(futures.get(i).join());
            } catch (RuntimeException e) {
                ProbeFailure f = EtcdHttp.failure(e, m.label());
                views.add(MemberView.down(m, f.reason(), f.getMessage()));
            }
        }
        return views;
    }

    private CompletableFuture<MemberView> askMember(EtcdAnswers.Member m, Duration budget) {
        if (m.clientUrls().isEmpty()) {
            return CompletableFuture.completedFuture(MemberView.down(m, Reasons.CONNECT_REFUSED,
                "member " + m.label() + " has no client URL (added but not started)"));
        }
        URI url;
        try {
            URI u = URI.create(m.clientUrls().get(0));
            url = new URI(u.getScheme(), null, u.getHost(), u.getPort(), "/", null, null);
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            return CompletableFuture.completedFuture(MemberView.down(m, Reasons.BAD_RESPONSE,
                "member " + m.label() + " advertises an invalid client URL"));
        }
        CompletableFuture<EtcdAnswers.Status> status = call(url, "/v3/maintenance/status", "{}", budget,
            EtcdAnswers::status);
        CompletableFuture<Boolean> range = call(url, "/v3/kv/range", RANGE_BODY, budget, b -> {
            EtcdAnswers.rangeAnswered(b);
            return true;
        }).exceptionally(e -> {
            // etcdctl endpoint health counts "permission denied" as healthy: the request reached a quorum
            Throwable c = EtcdHttp.unwrap(e);
            if (c instanceof ProbeFailure f && f.reason().equals(Reasons.AUTH_REJECTED)
                && f.getMessage().contains("permission denied")) {
                return true;
            }
            throw new java.util.concurrent.CompletionException(c);
        });
        CompletableFuture<List<EtcdAnswers.Alarm>> alarms = call(url, "/v3/maintenance/alarm",
            "{\"action\":\"GET\"}", budget, EtcdAnswers::alarms);
        CompletableFuture<MemberView> view = new CompletableFuture<>();
        // a member that knows no leader cannot serve the quorum read: no need to wait for it to time out
        status.thenAccept(s -> {
            if (!s.hasLeader()) {
                view.complete(new MemberView(m, s, false, null, Reasons.NO_LEADER, "member " + m.label() + " ("
                    + url + ") knows no leader" + (s.errors().isEmpty() ? "" : ": " + s.errors())));
            }
        });
        CompletableFuture.allOf(status, range, alarms).handle((ignored, error) -> {
            String who = "member " + m.label() + " (" + url + ")";
            EtcdAnswers.Status s;
            try {
                s = status.join();
            } catch (RuntimeException e) {
                ProbeFailure f = EtcdHttp.failure(e, who);
                return MemberView.down(m, f.reason(), f.getMessage());
            }
            List<EtcdAnswers.Alarm> a = alarms.isCompletedExceptionally() ? null : alarms.join();
            try {
                range.join();
                return new MemberView(m, s, true, a, "ok", "");
            } catch (RuntimeException e) {
                ProbeFailure f = EtcdHttp.failure(e, who + " quorum read");
                return new MemberView(m, s, false, a, f.reason(), f.getMessage());
            }
        }).whenComplete((v, e) -> {
            if (e != null) {
                view.completeExceptionally(e);
            } else {
                view.complete(v);
            }
        });
        return view;
    }
}
