package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.it.AgentProcess;
import dev.vigil.it.LoggedProcess;
import dev.vigil.it.Tools;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockserver.integration.ClientAndServer;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The page path end to end, with real components: the packaged agent probes real targets, most broken on purpose: an
 * overdue backup that also shrank, a damaged backup, a set with no backup, a closed TCP port, an etcd and a cAdvisor
 * that do not answer, a VIP nobody holds; and healthy ones: a real single-member etcd (Debian's {@code etcd-server}),
 * the VIP 127.0.0.1 held by this node, and a kubelet played by MockServer with the {@code /metrics/cadvisor}
 * exposition of {@code src/test/resources/cadvisor/kubelet.txt.template} whose {@code api} container is near its
 * memory limit, throttled and OOM-killed (the {@code worker} and {@code coredns} containers have no memory limit and
 * must not alert). Debian's Prometheus scrapes the agent every second and evaluates the shipped rules; Debian's
 * Alertmanager routes with the example configuration to a MockServer webhook. Checked: the expected critical alerts
 * reach the pager receiver and nothing else pages, the expected warnings reach the ticket receiver, the Watchdog the
 * watchdog receiver, with the labels and annotations the runbooks document; the example's inhibition mutes the
 * member alert of an etcd cluster whose quorum is lost.
 *
 * <p>Two copies are made from the shipped files, changing only time: the rules with every {@code for:} set to 2s
 * (read from {@code alerts/vigil.rules.yml} and written back with SnakeYAML; expressions, windows and labels are
 * unchanged), and the Alertmanager example with its receivers' URLs pointed at MockServer and the group waits and
 * intervals of every route set to 1s. Prometheus runs with a scrape and evaluation interval of 1s and resends firing
 * alerts every 2s (the Watchdog fires at the first evaluation, possibly before Alertmanager is discovered).
 *
 * <p>Then every dashboard query runs against that Prometheus: a query whose vigil metrics the agent exports here must
 * return data; the others (TLS kinds, per-container series without a cAdvisor, VRRP states without keepalived...) are
 * listed on standard output.
 */
class AlertPathIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final Set<String> EXPECTED_PAGES = Set.of("EtcdQuorumLost", "VipNotHeld",
        // openssl s_server with a certificate issued 25 days ago that expires in 2 days
        "TlsCertificateExpiryCritical");
    private static final Set<String> EXPECTED_TICKETS = Set.of("BackupOverdue", "BackupIntegrityFailed",
        "BackupNeverRan", "BackupShrankSharply", "CadvisorDown", "VigilProbeFailing", "ContainerNearMemoryLimit",
        "ContainerCpuThrottled", "ContainerOomKilled",
        // the loopback "VIP" is held by this node, where keepalived does not run: a VIP that cannot fail over
        "KeepalivedDown",
        // the client certificate the agent presents to short.example expires in 10 days
        "TlsClientCertificateExpiring");

    /**
     * Series this setup cannot produce: a VIP's last transition needs it to move (KeepalivedNetnsIT); the client
     * certificate of etcd needs etcd with TLS (EtcdClusterIT); a single etcd member has no peer to time or to fail to
     * send to, and times unary gRPC calls only with --metrics=extensive (ClusterIT has peers). Formerly also: VRRP states need keepalived's notify FIFO or
     * JSON dump; a VIP's last transition needs it to move; the client certificate needs etcd with TLS (EtcdClusterIT).
     */
    private static final Pattern NOT_PRODUCED_HERE = Pattern.compile("vigil_vip_last_transition_timestamp_seconds\\b.*"
        + "|vigil_etcd_client_cert_expiry_timestamp_seconds\\b.*"
        + "|vigil_etcd_local_(peer_rtt_p99_seconds|peer_sent_failures_total|grpc_unary_p99_seconds)\\b.*");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @Test
    void brokenTargetsPageAndTicketTheRightReceivers(@TempDir Path dir) throws Exception {
        String prometheus = Tools.require("prometheus", "prometheus");
        String alertmanager = Tools.require("prometheus-alertmanager", "prometheus-alertmanager");
        String etcd = Tools.require("etcd", "etcd-server");
        String openssl = Tools.require("openssl", "openssl");
        String faketime = Tools.require("faketime", "faketime");
        long started = System.nanoTime();
        // a certificate valid for 27 days, issued 25 days ago (faketime): 2 days left, judged by days, not by lifetime
        Tools.Exec cert = Tools.exec(Duration.ofSeconds(60), faketime, "-f", "-25d", openssl, "req", "-x509",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=expiring.example",
            "-addext", "subjectAltName=DNS:expiring.example", "-days", "27",
            "-keyout", dir.resolve("expiring.key").toString(), "-out", dir.resolve("expiring.crt").toString());
        assertEquals(0, cert.code(), cert.output());
        // and a short-lived one (10 days, just issued), judged by the share of its lifetime left
        Tools.Exec shortLived = Tools.exec(Duration.ofSeconds(60), openssl, "req", "-x509",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=short.example",
            "-addext", "subjectAltName=DNS:short.example", "-days", "10",
            "-keyout", dir.resolve("short.key").toString(), "-out", dir.resolve("short.crt").toString());
        assertEquals(0, shortLived.code(), shortLived.output());
        int tlsPort = AgentProcess.freePort();
        int shortPort = AgentProcess.freePort();

        int agentPort = AgentProcess.freePort();
        int promPort = AgentProcess.freePort();
        int amPort = AgentProcess.freePort();
        int closed = AgentProcess.freePort();
        int etcdClient = AgentProcess.freePort();
        int etcdPeer = AgentProcess.freePort();
        int etcdMetrics = AgentProcess.freePort();

        try (ClientAndServer webhook = ClientAndServer.startClientAndServer(0);
             ClientAndServer kubelet = ClientAndServer.startClientAndServer(0);
             LoggedProcess tlsServer = LoggedProcess.start("s_server", dir.resolve("s_server.log"), Map.of(),
                 List.of(openssl, "s_server", "-quiet",
                     "-accept", "127.0.0.1:" + tlsPort, "-cert", dir.resolve("expiring.crt").toString(),
                     "-key", dir.resolve("expiring.key").toString()));
             LoggedProcess shortServer = LoggedProcess.start("s_server-short", dir.resolve("s_server-short.log"),
                 Map.of(), List.of(openssl, "s_server", "-quiet",
                     "-accept", "127.0.0.1:" + shortPort, "-cert", dir.resolve("short.crt").toString(),
                     "-key", dir.resolve("short.key").toString()));
             LoggedProcess etcdMember = LoggedProcess.start("etcd", dir.resolve("etcd.log"), Map.of(), List.of(etcd,
                 "--name=lab",
                 "--data-dir=" + dir.resolve("etcd-data"),
                 "--listen-client-urls=http://127.0.0.1:" + etcdClient,
                 "--advertise-client-urls=http://127.0.0.1:" + etcdClient,
                 "--listen-peer-urls=http://127.0.0.1:" + etcdPeer,
                 "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeer,
                 "--initial-cluster=lab=http://127.0.0.1:" + etcdPeer,
                 "--listen-metrics-urls=http://127.0.0.1:" + etcdMetrics))) {
            webhook.when(request().withMethod("POST")).respond(response().withStatusCode(200));
            java.util.concurrent.atomic.AtomicBoolean oomKill = new java.util.concurrent.atomic.AtomicBoolean();
            playKubelet(kubelet, oomKill);
            Path config = writeAgentConfig(dir, closed, etcdMetrics, kubelet.getPort(), agentPort, etcdClient, tlsPort,
                shortPort);
            await("etcd healthy", () -> ok(URI.create("http://127.0.0.1:" + etcdMetrics + "/health")), etcdMember);
            Path fifo = dir.resolve("backups").resolve("vrrp.fifo");
            assertEquals(0, Tools.exec(Duration.ofSeconds(10), "mkfifo", fifo.toString()).code());
            try (AgentProcess agent = AgentProcess.start("--config.file=" + config,
                     "--web.listen-address=127.0.0.1:" + agentPort)) {
            agent.awaitListening();
            // keepalived's notify FIFO, played by the test: the instance comes up as BACKUP and takes over
            Thread fifoWriter = new Thread(() -> {
                try (var out = Files.newOutputStream(fifo)) {
                    out.write("INSTANCE \"VI_1\" BACKUP 50\nINSTANCE \"VI_1\" MASTER 50\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the agent is gone: the dashboard check below says what is missing
                }
            }, "fifo-writer");
            fifoWriter.setDaemon(true);
            fifoWriter.start();

            Path amConfig = dir.resolve("alertmanager.yml");
            Files.writeString(amConfig, alertmanagerCopy(webhook.getPort()));
            Path rules = dir.resolve("rules.yml");
            Files.writeString(rules, rulesCopy());
            Path promConfig = dir.resolve("prometheus.yml");
            Files.writeString(promConfig, """
                global: {scrape_interval: 1s, evaluation_interval: 1s}
                rule_files: [%s]
                alerting:
                  alertmanagers: [{static_configs: [{targets: ["127.0.0.1:%d"]}]}]
                scrape_configs:
                  - job_name: vigil
                    static_configs: [{targets: ["127.0.0.1:%d"]}]
                """.formatted(rules, amPort, agentPort));

            try (LoggedProcess am = LoggedProcess.start("alertmanager", dir.resolve("am.log"), Map.of(),
                     List.of(alertmanager, "--config.file=" + amConfig,
                     "--storage.path=" + dir.resolve("am-data"), "--web.listen-address=127.0.0.1:" + amPort,
                     "--cluster.listen-address="));
                 LoggedProcess prom = LoggedProcess.start("prometheus", dir.resolve("prom.log"), Map.of(),
                     List.of(prometheus, "--config.file=" + promConfig,
                     "--storage.tsdb.path=" + dir.resolve("prom-data"), "--web.listen-address=127.0.0.1:" + promPort,
                     // an alert sent before Alertmanager was discovered is sent again after this, not after 1m
                     "--rules.alert.resend-delay=2s"))) {
                URI promUri = URI.create("http://127.0.0.1:" + promPort);
                await("Alertmanager ready", () -> ok(URI.create("http://127.0.0.1:" + amPort + "/-/ready")), am);
                await("Prometheus ready", () -> ok(promUri.resolve("/-/ready")), prom);
                System.out.printf("AlertPathIT: agent, Alertmanager and Prometheus ready after %d s%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
                // an OOM kill is an increase of a counter: Prometheus must have seen it at 0 first
                await("Prometheus has the api container's OOM counter at 0",
                    () -> !query(promUri, "vigil_container_oom_events_total{container=\"api\"} == 0").isEmpty(), prom);
                oomKill.set(true);

                Map<String, List<JsonNode>> received = new TreeMap<>();
                await("expected alerts at pager, ticket and watchdog", () -> {
                    received.clear();
                    received.putAll(notifications(webhook));
                    return names(received, "/pager").containsAll(EXPECTED_PAGES)
                        && names(received, "/ticket").containsAll(EXPECTED_TICKETS)
                        && names(received, "/watchdog").contains("Watchdog");
                }, prom, () -> "received: " + names(received, "/pager") + " " + names(received, "/ticket") + " "
                    + names(received, "/watchdog") + "; firing in Prometheus: " + firingOrError(promUri));
                System.out.printf("AlertPathIT: expected notifications after %d s%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));

                // nothing else pages: neither what reached the pager, nor what Prometheus holds as firing critical
                assertEquals(EXPECTED_PAGES, names(received, "/pager"), "alerts at the pager receiver");
                assertEquals(EXPECTED_PAGES, firing(promUri, "critical"), "critical alerts firing in Prometheus");
                assertTrue(names(received, "/ticket").stream().noneMatch(EXPECTED_PAGES::contains));
                Set<String> tickets = names(received, "/ticket");
                tickets.removeAll(EXPECTED_TICKETS);
                tickets.remove("EtcdMemberDown"); // inhibited by EtcdQuorumLost only once the page is at Alertmanager
                assertEquals(Set.of(), tickets, "unexpected alerts at the ticket receiver");

                for (String path : List.of("/pager", "/ticket")) {
                    for (JsonNode alert : received.get(path)) {
                        checkDocumented(alert, path.equals("/pager") ? "critical" : "warning");
                    }
                }
                JsonNode overdue = alert(received, "/ticket", "BackupOverdue", "target", "nightly");
                assertTrue(overdue.at("/annotations/summary").asText().matches(
                    "Backup nightly on 127\\.0\\.0\\.1:\\d+ is \\d+d \\d+h \\d+m \\d+s overdue\\."),
                    overdue.toString());
                JsonNode damaged = alert(received, "/ticket", "BackupIntegrityFailed", "target", "archive");
                assertFalse(damaged.at("/labels/reason").asText().isEmpty(), damaged.toString());
                JsonNode vip = alert(received, "/pager", "VipNotHeld", "vip", "192.0.2.10");
                assertEquals("VIP 192.0.2.10 is held by no node.", vip.at("/annotations/summary").asText());
                alert(received, "/pager", "EtcdQuorumLost", "target", "k3s");

                for (JsonNode a : received.get("/ticket")) {
                    if (a.at("/labels/alertname").asText().startsWith("Container")) {
                        assertEquals("api", a.at("/labels/container").asText(), "only the api container alerts: " + a);
                    }
                }
                alert(received, "/ticket", "BackupShrankSharply", "target", "nightly");
                assertEquals(Set.of(), firing(promUri, "warning").stream().filter(n -> n.startsWith("Etcd")
                    && !n.equals("EtcdMemberDown")).collect(java.util.stream.Collectors.toSet()),
                    "the healthy single-member etcd raises no warning (no fault tolerance alert for one member)");

                // the example's inhibition: quorum lost mutes the member alerts of the same cluster
                URI amAlerts = URI.create("http://127.0.0.1:" + amPort + "/api/v2/alerts?filter="
                    + URLEncoder.encode("alertname=\"EtcdMemberDown\"", StandardCharsets.UTF_8));
                JsonNode[] memberDown = new JsonNode[1];
                await("EtcdMemberDown of k3s at Alertmanager, inhibited by EtcdQuorumLost", () -> {
                    memberDown[0] = JSON.readTree(http.send(HttpRequest.newBuilder(amAlerts).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                    for (JsonNode a : memberDown[0]) {
                        if (a.at("/labels/target").asText().equals("k3s")) {
                            return a.at("/status/state").asText().equals("suppressed")
                                && !a.at("/status/inhibitedBy").isEmpty();
                        }
                    }
                    return false;
                }, am, () -> String.valueOf(memberDown[0]));

                checkDashboardQueries(promUri);
                System.out.printf("AlertPathIT: alert path checked in %d s%n",
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            }
            }
        }
    }

    /**
     * A kubelet whose {@code api} container works near its 512 MiB limit, is throttled in 80 % of its CFS periods and
     * is OOM-killed once when {@code oomKill} is set; every answer carries the current time as sample timestamps.
     */
    private static void playKubelet(ClientAndServer kubelet, java.util.concurrent.atomic.AtomicBoolean oomKill)
        throws IOException {
        String template;
        try (var in = AlertPathIT.class.getResourceAsStream("/cadvisor/kubelet.txt.template")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
        kubelet.when(request().withMethod("GET").withPath("/metrics/cadvisor")).respond(req -> {
            int n = polls.incrementAndGet();
            Map<String, String> v = Map.of("API_ID", "beef01", "API_PERIODS", Integer.toString(1000 + 100 * n),
                "API_THROTTLED", Integer.toString(10 + 80 * n), "API_CPU", Double.toString(120.5 + n),
                "API_WS", "5.1e+08", "API_OOM", oomKill.get() ? "1" : "0", "API_START", "1.7955e+09",
                "TS", Long.toString(System.currentTimeMillis()));
            String body = template;
            for (Map.Entry<String, String> e : v.entrySet()) {
                body = body.replace("${" + e.getKey() + "}", e.getValue());
            }
            return response().withStatusCode(200).withHeader("Content-Type", "text/plain; version=0.0.4")
                .withBody(body);
        });
    }

    private static Path writeAgentConfig(Path dir, int closedPort, int etcdMetricsPort, int kubeletPort,
                                         int agentPort, int etcdClientPort, int tlsPort, int shortPort)
        throws IOException {
        Path backups = Files.createDirectories(dir.resolve("backups"));
        Instant now = Instant.now();
        Path older = Files.writeString(backups.resolve("nightly-1.sql"), "-- a plain SQL dump\n"
            + "INSERT INTO t VALUES (1);\n".repeat(30));
        Files.setLastModifiedTime(older, FileTime.from(now.minus(Duration.ofDays(4))));
        Path newest = Files.writeString(backups.resolve("nightly-2.sql"), "-- a plain SQL dump\nSELECT 1;\n");
        Files.setLastModifiedTime(newest, FileTime.from(now.minus(Duration.ofDays(3))));
        Path tarball = Files.write(backups.resolve("archive-1.tar.gz"), "not a gzip stream at all".repeat(40)
            .getBytes(StandardCharsets.US_ASCII));
        Files.setLastModifiedTime(tarball, FileTime.from(now.minus(Duration.ofHours(2))));
        // two rsync snapshots an hour apart, the newer hard-linking the older's file (rsync --link-dest)
        java.time.format.DateTimeFormatter name = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(java.time.ZoneOffset.UTC);
        Path previous = Files.createDirectories(backups.resolve("rsync").resolve(name.format(now.minus(Duration.ofHours(2)))));
        Path latest = Files.createDirectories(backups.resolve("rsync").resolve(name.format(now.minus(Duration.ofHours(1)))));
        Path data = Files.writeString(previous.resolve("data.txt"), "kept\n");
        Files.createLink(latest.resolve("data.txt"), data);
        Files.writeString(latest.resolve("new.txt"), "changed\n");
        for (Path p : List.of(data, latest.resolve("new.txt"), previous, latest)) {
            Files.setLastModifiedTime(p, FileTime.from(now.minus(Duration.ofMinutes(30))));
        }
        Files.createSymbolicLink(backups.resolve("rsync").resolve("latest"), latest.getFileName());
        Path config = dir.resolve("vigil.yml");
        Files.writeString(config, """
            defaults: {interval: 2s, timeout: 1s, jitter: 100ms}
            tcp:
              targets:
                - {target: "127.0.0.1:%1$d", name: closed-port}
            tls:
              targets:
                - {target: "127.0.0.1:%7$d", name: expiring, server_name: expiring.example, ca_file: "%8$s"}
                - {target: "127.0.0.1:%9$d", name: short-lived, server_name: short.example, ca_file: "%10$s",
                   client_cert_file: "%10$s", client_key_file: "%11$s"}
                - {target: "localhost:%9$d", name: every-address, server_name: short.example, ca_file: "%10$s",
                   all_addresses: true}
            certfiles:
              targets:
                - {path: "%12$s/*.crt", name: test-pki}
            etcd:
              clusters:
                - {name: k3s, endpoints: ["http://127.0.0.1:%1$d"]}
                - {name: lab, endpoints: ["http://127.0.0.1:%3$d"]}
                - {name: lab-cluster, mode: cluster, endpoints: ["http://127.0.0.1:%6$d"]}
            cadvisor:
              targets:
                - {target: "http://127.0.0.1:%1$d", name: cadvisor}
                - {target: "http://127.0.0.1:%4$d", name: kubelet, source: metrics, metrics_path: /metrics/cadvisor}
            backups:
              interval: 2s
              sets:
                - {name: nightly, kind: file, path: "%2$s/nightly-*.sql", every: 1h, keep: 7}
                - {name: archive, kind: tar.gz, path: "%2$s/archive-*.tar.gz", every: 24h}
                - {name: never, kind: pg_dump, path: "%2$s/never-*.dump", every: 24h}
                - {name: home, kind: rsync_tree, path: "%2$s/rsync", every: 24h}
            keepalived:
              interval: 2s
              config_file: ""
              pid_file: "%2$s/keepalived.pid"
              notify_fifo: "%2$s/vrrp.fifo"
              vips:
                - {address: 192.0.2.10, name: api-vip, interface: lo}
                - {address: 127.0.0.1, name: loopback, check_port: %5$d}
            """.formatted(closedPort, backups, etcdMetricsPort, kubeletPort, agentPort, etcdClientPort, tlsPort,
                dir.resolve("expiring.crt"), shortPort, dir.resolve("short.crt"), dir.resolve("short.key"), dir));
        return config;
    }

    /** The shipped rules with every {@code for:} shortened to 2s; nothing else changes. */
    static String rulesCopy() throws IOException {
        return AlertRules.withFor(alert -> "2s");
    }

    /** The example Alertmanager configuration with the receivers at MockServer and 1s group waits. */
    @SuppressWarnings("unchecked")
    static String alertmanagerCopy(int webhookPort) throws IOException {
        Map<String, Object> doc = (Map<String, Object>) AlertRules.yaml(AlertmanagerConfigIT.EXAMPLE);
        for (Map<String, Object> receiver : (List<Map<String, Object>>) doc.get("receivers")) {
            for (Map<String, Object> hook : (List<Map<String, Object>>) receiver.getOrDefault("webhook_configs", List.of())) {
                hook.put("url", "http://127.0.0.1:" + webhookPort + "/" + receiver.get("name"));
            }
        }
        Map<String, Object> route = (Map<String, Object>) doc.get("route");
        shorten(route);
        ((List<Map<String, Object>>) route.get("routes")).forEach(AlertPathIT::shorten);
        return dump(doc);
    }

    private static void shorten(Map<String, Object> route) {
        route.put("group_wait", "1s");
        route.put("group_interval", "1s");
    }

    private static String dump(Object doc) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setWidth(4096);
        return new Yaml(o).dump(doc);
    }

    /** Alerts received per webhook path, newest notification last; one entry per alert in each notification. */
    private static Map<String, List<JsonNode>> notifications(ClientAndServer webhook) throws IOException {
        Map<String, List<JsonNode>> byPath = new LinkedHashMap<>();
        for (String path : List.of("/pager", "/ticket", "/watchdog", "/blackhole")) {
            List<JsonNode> alerts = new ArrayList<>();
            for (org.mockserver.model.HttpRequest r : webhook.retrieveRecordedRequests(request().withPath(path))) {
                JsonNode body = JSON.readTree(r.getBodyAsString());
                body.get("alerts").forEach(alerts::add);
            }
            byPath.put(path, alerts);
        }
        return byPath;
    }

    private static Set<String> names(Map<String, List<JsonNode>> received, String path) {
        Set<String> names = new TreeSet<>();
        received.getOrDefault(path, List.of()).forEach(a -> names.add(a.at("/labels/alertname").asText()));
        return names;
    }

    private static JsonNode alert(Map<String, List<JsonNode>> received, String path, String name, String label,
                                  String value) {
        return received.get(path).stream()
            .filter(a -> a.at("/labels/alertname").asText().equals(name) && a.at("/labels/" + label).asText().equals(value))
            .findFirst().orElseThrow(() -> new AssertionError(name + "{" + label + "=" + value + "} not at " + path
                + ": " + received.get(path)));
    }

    /** The labels and annotations README.md and the runbooks promise. */
    private static void checkDocumented(JsonNode alert, String severity) {
        String name = alert.at("/labels/alertname").asText();
        assertEquals(severity, alert.at("/labels/severity").asText(), alert.toString());
        assertEquals("firing", alert.at("/status").asText(), alert.toString());
        assertEquals(AlertRules.RUNBOOK_BASE + name + ".md", alert.at("/annotations/runbook_url").asText());
        for (String key : List.of("summary", "description")) {
            String text = alert.at("/annotations/" + key).asText();
            assertFalse(text.isBlank() || text.contains("{{") || text.contains("<no value>"), name + " " + key + ": " + text);
        }
        assertTrue(Files.isRegularFile(AlertRules.RUNBOOKS.resolve(name + ".md")));
    }

    private Set<String> firing(URI prom, String severity) throws Exception {
        JsonNode result = query(prom, "ALERTS{alertstate=\"firing\",severity=\"" + severity + "\"}");
        Set<String> names = new TreeSet<>();
        result.forEach(r -> names.add(r.at("/metric/alertname").asText()));
        return names;
    }

    private String firingOrError(URI prom) {
        try {
            return firing(prom, "critical") + " " + firing(prom, "warning");
        } catch (Exception e) {
            return e.toString();
        }
    }

    private JsonNode query(URI prom, String expr) throws Exception {
        URI uri = prom.resolve("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("success", body.path("status").asText(), expr + ": " + r.body());
        return body.at("/data/result");
    }

    /**
     * Every dashboard query is valid PromQL for this Prometheus, and every one whose vector selectors all match
     * series here returns data; the others read a kind or a case this setup does not produce ({@link
     * #NOT_PRODUCED_HERE}) and are printed.
     */
    private void checkDashboardQueries(URI prom) throws Exception {
        List<Dashboards.Query> queries = Dashboards.queries();
        assertTrue(queries.size() >= 50, "dashboard queries found: " + queries.size());
        List<String> empty = new ArrayList<>();
        List<String> notProducedHere = new ArrayList<>();
        int checked = 0;
        for (Dashboards.Query q : queries) {
            Set<String> absent = new TreeSet<>();
            for (String selector : q.selectors()) {
                if (query(prom, "count(" + selector + ")").isEmpty()) {
                    absent.add(selector);
                }
            }
            if (!absent.isEmpty()) {
                query(prom, q.exprForPrometheus()); // still valid PromQL for this Prometheus
                notProducedHere.add(q.where() + ": " + String.join(", ", absent));
                absent.removeIf(sel -> NOT_PRODUCED_HERE.matcher(sel).matches());
                if (!absent.isEmpty()) {
                    empty.add(q.where() + ": no series for " + absent);
                }
                continue;
            }
            checked++;
            if (query(prom, q.exprForPrometheus()).isEmpty()) {
                empty.add(q.where() + ": " + q.exprForPrometheus());
            }
        }
        System.out.println("AlertPathIT: " + checked + " of " + queries.size()
            + " dashboard queries returned data; series this setup does not produce:");
        notProducedHere.forEach(s -> System.out.println("  " + s));
        assertEquals(List.of(), empty, "dashboard queries without data");
        assertTrue(checked >= 60, "dashboard queries checked against Prometheus: " + checked);
    }

    private static boolean ok(URI uri) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private interface Check {
        boolean test() throws Exception;
    }

    private static void await(String what, Check check, LoggedProcess process) throws Exception {
        await(what, check, process, () -> "");
    }

    private static void await(String what, Check check, LoggedProcess process, java.util.function.Supplier<String> state)
        throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!check.test()) {
            if (System.nanoTime() > end || !process.alive()) {
                throw new AssertionError(what + ": not reached within " + DEADLINE + " (process alive: "
                    + process.alive() + ") " + state.get() + "\n" + process.tail(40));
            }
            TimeUnit.MILLISECONDS.sleep(250); // poll interval, bounded by the deadline above
        }
    }

}
