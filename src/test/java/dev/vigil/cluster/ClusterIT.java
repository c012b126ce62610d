package dev.vigil.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.alerts.Dashboards;
import dev.vigil.cluster.Monitoring.Alert;
import dev.vigil.cluster.SimCluster.Node;
import dev.vigil.it.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped product on a whole simulated cluster (issue 13): {@link SimCluster} (3 k3s-like servers with real etcd,
 * keepalived and a TLS API server, 2 workers, the packaged agent on each, in network namespaces on one bridge) watched
 * by {@link Monitoring} (real Prometheus with the shipped rules, real Alertmanager with the example configuration, a
 * webhook receiver).
 *
 * <p>The agents run the embedded default configuration: nothing differs between nodes but {@code --path.rootfs} and
 * the listen address. Only time is changed: the agents get a copy of {@code src/main/resources/vigil-default.yml} in
 * which every {@code interval:}, {@code timeout:} and {@code jitter:} value is replaced by text substitution
 * ({@link #fasterDefault}), and the rules every {@code for:} (see {@link Monitoring}).
 *
 * <p>Checked: (1) after the agents are up, for {@link #HEALTHY_FOR} no alert but the Watchdog is pending or firing
 * (Prometheus' {@code ALERTS}), and every dashboard query returns data but those listed in {@link #NOT_PRODUCED_HERE};
 * (2) each fault of {@link #MATRIX}, applied to the healthy cluster, fires exactly its expected alerts (names and
 * labels, each alert once) and nothing else, pending included, and after it is undone every alert resolves. The time
 * from each fault to each expected alert firing is printed as a table, with the time computed for the shipped
 * {@code for:}. Needs root (namespaces) and Debian's etcd-server, etcd-client, keepalived, prometheus,
 * prometheus-alertmanager, openssl, faketime, curl and iproute2.
 */
class ClusterIT {
    static final Duration HEALTHY_FOR = Duration.ofSeconds(120);
    static final Duration FAULT_DEADLINE = Duration.ofSeconds(150);
    static final Duration RECOVERY_DEADLINE = Duration.ofSeconds(150);
    /** After the expected alerts fire, how long the step keeps watching for an alert that comes later. */
    static final Duration SETTLE = Duration.ofSeconds(10);

    /**
     * The fault matrix: each fault, applied to the healthy cluster and then undone, and the alerts it must fire, exactly
     * (besides the Watchdog): each entry must match one ALERTS series (name and the labels given; instance is a node's
     * name) and every series must match an entry. Roles are chosen when the step runs: $w a worker; $h the VIP holder;
     * $s a server; $f, $g etcd followers, $l the etcd leader; $n a server that neither holds the VIP nor leads etcd.
     *
     * <p>Order: the VIP moves twice (keepalived stopped: 2 transitions; partition and heal: 2 more) which stays under
     * VipFlapping's 6 in 30 minutes. etcd's leader changes (counted by each member) accumulate over an hour for
     * EtcdFrequentLeaderChanges (more than 3): only followers are stopped (a stopped follower changes no leader; two
     * stopped make the leader step down, one change), the partition comes after them (the cut-off member and, when
     * it led, the others count one more), and the lost node is neither the etcd leader nor the VIP holder. The node
     * is lost last: it is not recreated.
     *
     * <p>The ALERTS series are not inhibited; in Alertmanager EtcdQuorumLost inhibits the member, leader and fault
     * tolerance alerts of the same cluster, and VigilDown the other alerts of its instance.
     */
    static final String[][] MATRIX = {
        {"agent stopped on a worker ($w)", "VigilDown{instance=$w}"},
        // the VIP holder's agent: its vigil_vip_held series go; the VIP still answers the others (vigil_vip_answers),
        // so no VipNotHeld
        {"agent stopped on the VIP holder ($h)", "VigilDown{instance=$h}"},
        // the file k3s keeps (serving-kube-apiserver.crt) is the certificate the endpoint serves: one page, not two
        {"API server certificate replaced by one expiring in 2 days ($s)",
            "TlsCertificateExpiryCritical{instance=$s,target=kube-apiserver}"},
        {"newest snapshot removed, older ones aged past the schedule ($s)",
            "BackupOverdue{instance=$s,target=k3s-etcd-snapshots}"},
        // the VIP moves (keepalived leaves it on SIGTERM): no VipNotHeld
        {"keepalived stopped on the VIP holder ($h)", "KeepalivedDown{instance=$h}"},
        // the default has no TCP target on etcd's ports: the etcd target alone alerts
        {"one etcd follower stopped ($f)", "EtcdMemberDown{instance=$f}", "EtcdNoFaultTolerance{target=k3s}"},
        // one page for the cluster; the remaining member's own unhealthy /health and the lack of a leader are its
        // consequences, not second alerts (the rules leave them out while quorum is lost)
        {"two etcd followers stopped ($f, $g)", "EtcdQuorumLost{target=k3s}", "EtcdMemberDown{instance=$f}",
            "EtcdMemberDown{instance=$g}"},
        // both sides hold the VIP; the holder's etcd member is cut off from the other two (its /health fails), which
        // keep quorum without fault tolerance
        {"VIP holder partitioned from the other nodes, link up ($h)", "VipSplitBrain{vip=" + SimCluster.VIP + "}",
            "EtcdMemberUnhealthy{instance=$h}", "EtcdNoFaultTolerance{target=k3s}"},
        // the lost node's agent is gone with it: its etcd member is judged from the others' view
        {"node lost: namespace torn down ($n)", "VigilDown{instance=$n}", "EtcdNoFaultTolerance{target=k3s}"},
    };

    /**
     * Dashboard series this cluster cannot produce with the default configuration, each with its reason: no cAdvisor
     * (absent: no container statistics); etcd in local mode only (cluster-mode series need a client certificate and an
     * explicit {@code mode: cluster}); no rsync backup set (hard-link share); the VIPs read from keepalived.conf have no
     * check port (reachability); a VIP's last transition exists only after it moves; VRRP states, priorities and
     * transitions need keepalived's DBus, notify FIFO or JSON dump, which this keepalived.conf (like a minimal one)
     * does not enable; no TLS target with all_addresses or a client certificate; and a healthy cluster has no failing
     * target for "Failing targets and their reason", and failures are counted per reason from the first one, so a
     * cluster whose probes never failed has no vigil_probe_failures_total series; etcd counts peer send failures only after one happened, and
     * times unary gRPC calls only with {@code --metrics=extensive}; every certificate here lives a year (k3s' leaf
     * lifetime), so none is short-lived.
     */
    static final Pattern NOT_PRODUCED_HERE = Pattern.compile("(vigil_container_\\w+|vigil_cadvisor_\\w+"
        + "|vigil_etcd_(member|quorum|fault_tolerance|members|leader_agreement|learners|client_cert)\\w*"
        + "|vigil_backup_hardlink_ratio|vigil_vip_reachable|vigil_vip_last_transition_timestamp_seconds"
        + "|vigil_keepalived_(vrrp_state|vrrp_priority|transitions_total)|vigil_tls_backend_mismatch"
        + "|vigil_tls_client_cert\\w+|vigil_etcd_local_peer_sent_failures_total|vigil_etcd_local_grpc_unary_p99_seconds)\\b.*"
        + "|vigil_probe_reason_info\\{.*reason!=\"ok\".*|vigil_probe_failures_total\\b.*"
        + "|\\(vigil_tls_cert_not_after_timestamp_seconds.*< 21 \\* 86400 > 0\\)");

    /**
     * How long a fault is held at least: VipNotHeld reads {@code max_over_time(vigil_vip_held[1m])}, so an agent that
     * drops the holder's series is seen by it only after that window (plus the shortened for:).
     */
    static Duration hold(String fault) {
        return fault.startsWith("agent stopped on the VIP holder") ? Duration.ofSeconds(75) : Duration.ZERO;
    }

    private final Map<String, Long> shippedFor = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String[]> timings = new ArrayList<>();
    private final Set<String> noise = new TreeSet<>();

    @Test
    void healthyClusterIsSilentAndEachFaultFiresExactlyItsAlerts(@TempDir Path dir) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            String message = "ClusterIT needs root (network namespaces, veths, a bridge)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + "; CI runs as root");
            }
            Assumptions.assumeTrue(false, message);
        }
        Tools.require("ip", "iproute2");
        Tools.require("curl", "curl");
        String faketime = Tools.require("faketime", "faketime");
        long started = System.nanoTime();
        shippedFor.putAll(Monitoring.shippedFor());
        Path config = fasterDefault(dir);
        ClusterPki pki = new ClusterPki(Tools.require("openssl", "openssl"), dir.resolve("pki"));
        try (SimCluster c = new SimCluster(dir, pki, config); Monitoring m = new Monitoring()) {
            c.network();
            c.files();
            for (Node n : c.nodes) {
                c.startKubelet(n);
                if (n.server) {
                    c.startApiServer(n);
                    c.startEtcd(n);
                    c.startKeepalived(n);
                }
            }
            awaitEtcd(c);
            Waits.until("one VIP holder", Duration.ofSeconds(60), () -> c.vipHolders().size() == 1,
                () -> "holders " + c.vipHolders() + "\n" + c.logs(c.node("s1")));
            for (Node n : c.servers()) {
                c.snapshots(n, false);
            }
            for (Node n : c.nodes) {
                c.startAgent(n);
            }
            for (Node n : c.nodes) {
                Waits.until("agent on " + n + " answers", Duration.ofSeconds(90), () -> c.agentAnswers(n),
                    () -> c.logs(n));
            }
            m.start(dir, c.nodes.stream().map(Node::instance).toList());
            Waits.until("Prometheus scrapes the 5 agents", Duration.ofSeconds(60),
                () -> m.query("up == 1").size() == 5, m::logs);
            System.out.printf("ClusterIT: cluster and monitoring up after %d s%n", seconds(started));

            healthy(c, m);
            dashboards(m);
            for (String[] row : MATRIX) {
                step(c, m, dir, faketime, row);
            }
            webhookSummary(m);
            System.out.printf("ClusterIT: done after %d s%n", seconds(started));
        } finally {
            printTable();
        }
        if (!noise.isEmpty()) {
            failures.add(0, "healthy cluster not silent: " + noise);
        }
        assertEquals(List.of(), failures, "ClusterIT failures");
    }

    // ------------------------------------------------------------------ healthy

    private void healthy(SimCluster c, Monitoring m) throws Exception {
        long end = System.nanoTime() + HEALTHY_FOR.toNanos();
        Map<String, String> seen = new TreeMap<>();
        while (System.nanoTime() < end) {
            for (Alert a : m.alerts()) {
                seen.merge(key(c, a, false), a.state(), (x, y) -> x.equals("firing") ? x : y);
            }
            SimCluster.pause(1000);
        }
        if (!m.watchdogFiring()) {
            failures.add("Watchdog not firing");
        }
        System.out.println("ClusterIT: healthy cluster, " + HEALTHY_FOR.toSeconds() + " s: "
            + (seen.isEmpty() ? "silent (Watchdog only)" : "ALERTS besides the Watchdog:"));
        seen.forEach((k, state) -> System.out.println("  " + state + "  " + k));
        for (String k : seen.keySet()) {
            noise.add(k);
        }
    }

    private void dashboards(Monitoring m) throws Exception {
        List<Dashboards.Query> queries = Dashboards.queries();
        List<String> empty = new ArrayList<>();
        List<String> notHere = new ArrayList<>();
        int checked = 0;
        for (Dashboards.Query q : queries) {
            Set<String> absent = new TreeSet<>();
            for (String selector : q.selectors()) {
                if (m.query("count(" + selector + ")").isEmpty()) {
                    absent.add(selector);
                }
            }
            if (!absent.isEmpty()) {
                m.query(q.exprForPrometheus());
                notHere.add(q.where() + ": " + String.join(", ", absent));
                absent.removeIf(sel -> NOT_PRODUCED_HERE.matcher(sel).matches());
                if (!absent.isEmpty()) {
                    empty.add(q.where() + ": no series for " + absent);
                }
                continue;
            }
            checked++;
            if (m.query(q.exprForPrometheus()).isEmpty()) {
                if (NOT_PRODUCED_HERE.matcher(q.exprForPrometheus()).matches()) {
                    notHere.add(q.where() + ": " + q.exprForPrometheus());
                } else {
                    empty.add(q.where() + ": " + q.exprForPrometheus());
                }
            }
        }
        System.out.println("ClusterIT: " + checked + " of " + queries.size()
            + " dashboard queries returned data; series this cluster does not produce:");
        notHere.forEach(s -> System.out.println("  " + s));
        if (!empty.isEmpty()) {
            failures.add("dashboard queries without data: " + empty);
        }
    }

    // ------------------------------------------------------------------ fault matrix

    private void step(SimCluster c, Monitoring m, Path dir, String faketime, String[] row) throws Exception {
        String fault = row[0];
        Map<String, String> roles = roles(c, fault);
        String title = resolve(fault, roles);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i < row.length; i++) {
            expected.add(resolve(row[i], roles));
        }
        Node h = c.node(roles.getOrDefault("$h", "s1"));
        long t0 = System.nanoTime();
        System.out.println("ClusterIT: fault: " + title + " -> expected " + expected);
        boolean last = fault.startsWith("node lost");
        Runnable undo = apply(c, dir, faketime, fault, roles);

        Map<String, Long> firedAt = new LinkedHashMap<>();
        Map<String, String> seen = new TreeMap<>();
        long allFiredAt = -1;
        long deadline = t0 + FAULT_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            List<Alert> alerts = m.alerts();
            long now = System.nanoTime();
            for (Alert a : alerts) {
                seen.merge(key(c, a, false), a.state(), (x, y) -> x.equals("firing") ? x : y);
                for (String e : expected) {
                    if (a.firing() && matches(e, c, a)) {
                        firedAt.putIfAbsent(e, now - t0);
                    }
                }
            }
            if (allFiredAt < 0 && firedAt.keySet().containsAll(expected)) {
                allFiredAt = now;
            }
            if (allFiredAt > 0 && now - allFiredAt > SETTLE.toNanos() && now - t0 > hold(fault).toNanos()) {
                break;
            }
            SimCluster.pause(1000);
        }
        List<Alert> atEnd = m.alerts();
        List<String> problems = compare(c, expected, atEnd, seen);
        for (String e : expected) {
            Long at = firedAt.get(e);
            String name = e.replaceAll("\\{.*", "");
            long shipped = shippedFor.getOrDefault(name, 0L);
            timings.add(new String[] {title, e, at == null ? "not fired" : Long.toString(at / 1_000_000_000L),
                at == null ? "" : Long.toString(at / 1_000_000_000L - Monitoring.seconds(Monitoring.FOR) + shipped)});
        }
        if (!problems.isEmpty()) {
            failures.add(title + ": " + problems);
            System.out.println("ClusterIT:   " + problems + "\n" + c.logs(h));
        }
        Map<String, String> besidesNoise = new TreeMap<>(seen);
        besidesNoise.keySet().removeAll(noise);
        System.out.println("ClusterIT:   seen " + besidesNoise + (noise.isEmpty() ? "" : " (and the healthy noise)"));
        if (last) {
            return;
        }
        long r0 = System.nanoTime();
        undo.run();
        Map<String, String> duringRecovery = new TreeMap<>();
        try {
            Waits.until(title + ": all alerts resolved after recovery", RECOVERY_DEADLINE, () -> {
                boolean quiet = true;
                for (Alert a : m.alerts()) {
                    String k = key(c, a, false);
                    duringRecovery.merge(k, a.state(), (x, y) -> x.equals("firing") ? x : y);
                    // a latency alert that keeps its shipped for: (10 minutes) may stay pending while a smoothed
                    // round trip decays after a partition heals; it cannot fire before it does, and is no fault
                    quiet &= noise.contains(k) || (!a.firing() && Monitoring.SHIPPED_FOR.contains(a.name()));
                }
                return quiet;
            }, () -> "");
        } catch (AssertionError e) {
            Set<String> left = new TreeSet<>();
            for (Alert a : m.alerts()) {
                if (a.firing() || !Monitoring.SHIPPED_FOR.contains(a.name())) {
                    left.add(a.state() + " " + key(c, a, false));
                }
            }
            left.removeIf(k -> noise.contains(k.substring(k.indexOf(' ') + 1)));
            failures.add(title + ": not resolved within " + RECOVERY_DEADLINE.toSeconds() + " s after recovery: " + left);
        }
        duringRecovery.keySet().removeAll(seen.keySet());
        duringRecovery.keySet().removeAll(noise);
        // as during the fault: an alert that only went pending (a transient shorter than even the shortened for:)
        // is printed, not counted
        duringRecovery.entrySet().removeIf(e -> {
            if (!e.getValue().equals("firing")) {
                System.out.println("ClusterIT:   (pending only during recovery, not fired: " + e.getKey() + ")");
                return true;
            }
            return false;
        });
        if (!duringRecovery.isEmpty()) {
            failures.add(title + ": new alerts during recovery: " + duringRecovery);
        }
        System.out.printf("ClusterIT:   recovered in %d s; etcd leader changes in the last hour, most on a member: %s%n",
            seconds(r0), m.query("max(increase(vigil_etcd_leader_changes_total[1h]))").path(0).at("/value/1").asText());
    }

    /** Differences between the expected set and what Prometheus held (pending included) during the step. */
    private List<String> compare(SimCluster c, List<String> expected, List<Alert> atEnd, Map<String, String> seen) {
        List<String> problems = new ArrayList<>();
        for (String e : expected) {
            List<String> firing = atEnd.stream().filter(a -> a.firing() && matches(e, c, a))
                .map(a -> key(c, a, false)).toList();
            if (firing.isEmpty()) {
                problems.add("missing " + e);
            } else if (firing.size() > 1) {
                problems.add(e + " fires " + firing.size() + " times: " + firing);
            }
        }
        for (String k : seen.keySet()) {
            if (noise.contains(k)) {
                continue;
            }
            boolean wanted = expected.stream().anyMatch(e -> matchesKey(e, k));
            if (!wanted && seen.get(k).equals("firing")) {
                problems.add("unexpected " + k);
            } else if (!wanted) {
                System.out.println("ClusterIT:   (pending only, not fired: " + k + ")");
            }
        }
        return problems;
    }

    /** Picks the nodes of a step's roles now (who holds the VIP, who leads etcd). */
    private static Map<String, String> roles(SimCluster c, String fault) {
        Map<String, String> r = new TreeMap<>();
        r.put("$w", "w1");
        List<Node> holders = c.vipHolders();
        Node holder = holders.isEmpty() ? null : holders.get(0);
        if (holder != null) {
            r.put("$h", holder.name);
        }
        Node leader = c.servers().stream().filter(n -> !n.lost && c.etcdIsLeader(n)).findFirst().orElse(null);
        List<Node> followers = c.servers().stream().filter(n -> !n.lost && n != leader).toList();
        if (leader != null) {
            r.put("$l", leader.name);
        }
        if (followers.size() >= 2) {
            r.put("$f", followers.get(0).name);
            r.put("$g", followers.get(1).name);
        }
        r.put("$s", c.servers().stream().filter(n -> n != holder).findFirst().orElseThrow().name);
        c.servers().stream().filter(n -> n != holder && n != leader).findFirst().ifPresent(n -> r.put("$n", n.name));
        return r;
    }

    private static String resolve(String s, Map<String, String> roles) {
        for (Map.Entry<String, String> e : roles.entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
        }
        return s;
    }

    /** Applies a fault; returns what undoes it. */
    private Runnable apply(SimCluster c, Path dir, String faketime, String fault, Map<String, String> roles)
        throws Exception {
        Node w = c.node(roles.get("$w"));
        Node h = roles.containsKey("$h") ? c.node(roles.get("$h")) : null;
        Node s = c.node(roles.get("$s"));
        if (fault.startsWith("agent stopped on a worker")) {
            w.agent.stop();
            return undo(() -> restartAgent(c, w));
        }
        if (fault.startsWith("agent stopped on the VIP holder")) {
            h.agent.stop();
            return undo(() -> restartAgent(c, h));
        }
        if (fault.startsWith("API server certificate")) {
            // issued 25 days ago for 27 days (faketime), signed by the cluster's server CA: it verifies, 2 days left
            c.issueApiServer(s, List.of(faketime, "-f", "-25d"), 27);
            s.apiserver.stop();
            c.startApiServer(s);
            return undo(() -> {
                c.issueApiServer(s, List.of(), 365);
                s.apiserver.stop();
                c.startApiServer(s);
            });
        }
        if (fault.startsWith("newest snapshot removed")) {
            c.snapshots(s, true);
            return undo(() -> c.snapshots(s, false));
        }
        if (fault.startsWith("keepalived stopped")) {
            h.keepalived.stop();
            return undo(() -> {
                c.startKeepalived(h);
                awaitOneHolder(c);
            });
        }
        if (fault.startsWith("VIP holder partitioned")) {
            c.partition(h, true);
            return undo(() -> {
                c.partition(h, false);
                awaitOneHolder(c);
                awaitEtcd(c);
            });
        }
        if (fault.startsWith("one etcd follower")) {
            Node f = c.node(roles.get("$f"));
            f.etcd.stop();
            return undo(() -> {
                c.startEtcd(f);
                awaitEtcd(c);
            });
        }
        if (fault.startsWith("two etcd followers")) {
            Node f = c.node(roles.get("$f"));
            Node g = c.node(roles.get("$g"));
            f.etcd.stop();
            g.etcd.stop();
            return undo(() -> {
                c.startEtcd(f);
                c.startEtcd(g);
                awaitEtcd(c);
            });
        }
        if (fault.startsWith("node lost")) {
            c.lose(c.node(roles.get("$n")));
            return () -> { };
        }
        throw new IllegalArgumentException(fault);
    }

    private interface Action {
        void run() throws Exception;
    }

    private static Runnable undo(Action a) {
        return () -> {
            try {
                a.run();
            } catch (Exception e) {
                throw new AssertionError("undoing the fault failed", e);
            }
        };
    }

    private static void restartAgent(SimCluster c, Node n) throws Exception {
        c.startAgent(n);
        Waits.until("agent on " + n + " answers again", Duration.ofSeconds(90), () -> c.agentAnswers(n), () -> c.logs(n));
    }

    private static void awaitOneHolder(SimCluster c) throws Exception {
        Waits.until("exactly one VIP holder", Duration.ofSeconds(60), () -> c.vipHolders().size() == 1,
            () -> "holders " + c.vipHolders());
    }

    private static void awaitEtcd(SimCluster c) throws Exception {
        Waits.until("every etcd member has a leader", Duration.ofSeconds(90),
            () -> c.servers().stream().filter(n -> !n.lost).allMatch(c::etcdHasLeader),
            () -> c.servers().stream().map(c::logs).collect(Collectors.joining("\n")));
    }

    // ------------------------------------------------------------------ alert keys

    private static final Set<String> NOT_IN_KEY = Set.of("severity", "job");
    private static final Pattern ENTRY = Pattern.compile("(\\w+)(?:\\{(.*)})?");

    /** Name and labels of an ALERTS series, the instance as the node's name. */
    private static String key(SimCluster c, Alert a, boolean unused) {
        Map<String, String> labels = new TreeMap<>(a.labels());
        NOT_IN_KEY.forEach(labels::remove);
        labels.computeIfPresent("instance", (k, v) -> {
            Node n = c.byInstance(v);
            return n == null ? v : n.name;
        });
        return a.name() + labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(",", "{", "}"));
    }

    private static boolean matches(String expected, SimCluster c, Alert a) {
        return matchesKey(expected, key(c, a, false));
    }

    /** Whether the key (as {@link #key}) has the expected entry's name and every label it gives. */
    static boolean matchesKey(String expected, String key) {
        Matcher e = ENTRY.matcher(expected);
        Matcher k = ENTRY.matcher(key);
        if (!e.matches() || !k.matches() || !e.group(1).equals(k.group(1))) {
            return false;
        }
        Set<String> have = k.group(2) == null ? Set.of() : Set.of(k.group(2).split(","));
        return e.group(2) == null || have.containsAll(List.of(e.group(2).split(",")));
    }

    // ------------------------------------------------------------------ report

    private static void webhookSummary(Monitoring m) {
        Map<String, Set<String>> byReceiver = new TreeMap<>();
        synchronized (m.notified) {
            for (Monitoring.Notified n : m.notified) {
                byReceiver.computeIfAbsent(n.receiver(), k -> new TreeSet<>()).add(n.name() + " " + n.status());
            }
        }
        System.out.println("ClusterIT: notifications received per receiver: " + byReceiver);
    }

    private void printTable() {
        System.out.println("ClusterIT: fault -> alert -> seconds from fault to firing (measured with for: "
            + Monitoring.FOR + "; computed for the shipped for:)");
        System.out.println("| fault | alert | measured s | with shipped for: s |");
        System.out.println("|---|---|---|---|");
        for (String[] t : timings) {
            System.out.println("| " + String.join(" | ", t) + " |");
        }
    }

    private static long seconds(long since) {
        return (System.nanoTime() - since) / 1_000_000_000L;
    }

    /**
     * The embedded default with only its intervals, timeouts and jitters shortened (text substitution, nothing else
     * changes): every {@code interval:} 3s, every {@code timeout:} 2s, every {@code jitter:} 500ms. The shipped 30s and
     * 5m would make each step of the matrix last minutes.
     */
    static Path fasterDefault(Path dir) throws Exception {
        String text = Files.readString(Path.of("src/main/resources/vigil-default.yml"));
        String faster = text.replaceAll("(?m)^(?<k>\\s*interval:\\s*)\\S+", "${k}3s")
            .replaceAll("(?m)^(?<k>\\s*timeout:\\s*)\\S+", "${k}2s")
            .replaceAll("(?m)^(?<k>\\s*jitter:\\s*)\\S+", "${k}500ms");
        return Files.writeString(dir.resolve("vigil-default-faster.yml"), faster);
    }
}
