package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, started as a process exactly as README.md says, checked with real promtool and Prometheus. */
class VigilIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    private ServerSocket listening;

    @BeforeEach
    void openPort() throws IOException {
        listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void closePort() throws IOException {
        listening.close();
    }

    private Path config(String yaml) throws IOException {
        Path f = dir.resolve("vigil.yml");
        Files.writeString(f, yaml);
        return f;
    }

    /** README: "java -jar target/vigil.jar" with the embedded configuration on the default port. */
    @Test
    void startsAsTheReadmeSaysAndServesMetricsThatPromtoolAccepts() throws Exception {
        String promtool = Tools.require("promtool", "prometheus");
        try (AgentProcess agent = AgentProcess.start().awaitListening()) {
            assertEquals(URI.create("http://127.0.0.1:9847/"), agent.base(), "default listen address");
            agent.awaitBody("ready", b -> b.startsWith("ready"), WAIT); // every target of the default has run once
            String metrics = agent.get("metrics").body();
            // the test machine is no Kubernetes node: the default's components are absent, not down
            assertTrue(metrics.contains("vigil_probe_present{kind=\"tcp\",target=\"kubelet\"} 0.0"), metrics);
            assertTrue(metrics.contains("vigil_probe_present{kind=\"etcd\",target=\"k3s\"} 0.0"), metrics);
            assertFalse(metrics.contains("vigil_probe_success{kind=\"tcp\",target=\"kubelet\"}"), metrics);
            assertFalse(metrics.contains("vigil_etcd_local_up"), metrics);
            assertTrue(metrics.contains("vigil_probe_success{kind=\"certfile\",target=\"kubeadm-pki\"} 1.0"), metrics);
            String page = agent.get("").body();
            assertTrue(page.contains("<td class=\"absent\">absent</td><td>absent<div class=\"msg\">not installed on this node"),
                page);
            assertTrue(metrics.contains("vigil_config_last_reload_successful 1.0"));
            Path file = Files.writeString(dir.resolve("metrics.txt"), metrics);
            Process check = new ProcessBuilder(promtool, "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(check.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, check.exitValue(), "promtool check metrics: " + out);
            assertEquals("", out.trim(), "promtool lint findings");
        }
    }

    /** systemctl stop and the kubelet send SIGTERM: the agent says it is stopping and exits as the unit expects. */
    @Test
    void sigtermLogsAgentStoppingAndExitsWithTheStatusTheUnitAccepts() throws Exception {
        int port = AgentProcess.freePort();
        Path cfg = config("tcp:\n  targets:\n    - {target: \"127.0.0.1:1\", name: closed}\n");
        AgentProcess agent = AgentProcess.start("--config.file", cfg.toString(), "--web.listen-address",
            "127.0.0.1:" + port).awaitListening();
        int code = agent.stop();
        assertTrue(code == 143 || code == 0, "exit status " + code + " (the unit has SuccessExitStatus=143)");
        assertTrue(agent.log().stream().anyMatch(l -> l.contains("agent stopping")), String.join("\n", agent.log()));
        assertTrue(Files.readString(Path.of("packaging/systemd/vigil.service")).contains("SuccessExitStatus=143"));
    }

    @Test
    void realPrometheusScrapesItWithOpenMetrics() throws Exception {
        String prometheus = Tools.require("prometheus", "prometheus");
        int agentPort = AgentProcess.freePort();
        int promPort = AgentProcess.freePort();
        Path cfg = config("defaults: {interval: 1s, jitter: 0s}\ntcp:\n  targets:\n    - {target: \"127.0.0.1:%d\", name: up}\n"
            .formatted(listening.getLocalPort()));
        Path promConfig = Files.writeString(dir.resolve("prometheus.yml"), """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: vigil
                static_configs: [{targets: ["127.0.0.1:%d"]}]
            """.formatted(agentPort));
        try (AgentProcess agent = AgentProcess.start("--config.file", cfg.toString(),
            "--web.listen-address", "127.0.0.1:" + agentPort).awaitListening()) {
            Process prom = new ProcessBuilder(prometheus, "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String query = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
                String body = "";
                long end = System.nanoTime() + WAIT.toNanos();
                while (System.nanoTime() < end) {
                    try {
                        body = http.send(HttpRequest.newBuilder(URI.create(query
                            + "vigil_probe_failures_total%20or%20vigil_probe_success%7Btarget%3D%22up%22%7D%3D%3D1"))
                            .build(), HttpResponse.BodyHandlers.ofString()).body();
                        if (body.contains("\"vigil_probe_success\"")) {
                            break;
                        }
                    } catch (IOException notYetListening) {
                        body = notYetListening.toString();
                    }
                    TimeUnit.MILLISECONDS.sleep(200); // polling Prometheus' query API, the only view of its ingestion
                }
                assertTrue(body.contains("\"vigil_probe_success\""), "Prometheus never ingested vigil: " + body
                    + "\n" + Files.readString(dir.resolve("prometheus.log")));
                String targets = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + promPort
                    + "/api/v1/targets")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(targets.contains("\"health\":\"up\""), targets);
                assertTrue(targets.contains("\"lastError\":\"\""), targets);
            } finally {
                prom.destroy();
                if (!prom.waitFor(20, TimeUnit.SECONDS)) {
                    prom.destroyForcibly();
                }
            }
        }
    }

    @Test
    void sighupReloadsAndABadFileIsRefused() throws Exception {
        Path cfg = config("defaults: {jitter: 0s}\ntcp:\n  targets:\n    - {target: \"127.0.0.1:%d\", name: first}\n"
            .formatted(listening.getLocalPort()));
        try (AgentProcess agent = AgentProcess.start("--config.file", cfg.toString(), "--web.listen-address",
            "127.0.0.1:" + AgentProcess.freePort()).awaitListening()) {
            agent.awaitBody("metrics", m -> m.contains("target=\"first\"} 1.0"), WAIT);

            Files.writeString(cfg, "tcp:\n  targets:\n    - {target: 127.0.0.1:1, name: second, intervall: 5s}\n");
            kill("-HUP", agent.pid());
            agent.awaitLog(l -> l.contains("configuration reload refused"), WAIT);
            String m = agent.awaitBody("metrics", b -> b.contains("vigil_config_last_reload_successful 0.0"), WAIT);
            assertTrue(m.contains("target=\"first\""), "the previous configuration keeps running");

            Files.writeString(cfg, "defaults: {jitter: 0s}\ntcp:\n  targets:\n    - {target: 127.0.0.1:1, name: second}\n");
            kill("-HUP", agent.pid());
            m = agent.awaitBody("metrics", b -> b.contains("vigil_probe_success{kind=\"tcp\",target=\"second\"} 0.0"), WAIT);
            assertTrue(m.contains("vigil_config_last_reload_successful 1.0"));
            assertTrue(!m.contains("target=\"first\""), "removed target still exported");
        }
    }

    private static void kill(String signal, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", signal, Long.toString(pid)).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    @Test
    void checkConfigReportsEveryErrorAndExitsNonZero() throws Exception {
        Path bad = config("defaults:\n  timout: 5s\ntcp:\n  targets:\n    - {target: nowhere}\n");
        AgentProcess.Result r = AgentProcess.run(WAIT, "check-config", bad.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains(bad + ":2:3: defaults.timout: unknown key (did you mean \"timeout\"?)"), r.stderr());
        assertTrue(r.stderr().contains(bad + ":5:16: tcp.targets[0].target: \"nowhere\" is not host:port"), r.stderr());
        assertTrue(r.stderr().contains("2 error(s)"), r.stderr());

        Path good = config("tcp:\n  targets:\n    - {target: 127.0.0.1:1}\n");
        r = AgentProcess.run(WAIT, "check-config", good.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("OK, 1 target(s)"));
    }

    @Test
    void anInvalidConfigurationStopsTheStartWithItsErrors() throws Exception {
        Path bad = config("tcp:\n  targets:\n    - {target: 127.0.0.1:0}\n");
        AgentProcess.Result r = AgentProcess.run(WAIT, "--config.file", bad.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains(":3:16: tcp.targets[0].target: port 0"), r.stderr());
    }

    @Test
    void anIgnoredSighupIsSaidAtStart() throws Exception {
        // the JVM keeps an inherited SIG_IGN silently: a reload by signal would do nothing, without a word
        try (AgentProcess agent = AgentProcess.startIgnoringSighup("--web.listen-address",
            "127.0.0.1:" + AgentProcess.freePort()).awaitListening()) {
            agent.awaitLog(l -> l.contains("level=warn") && l.contains("SIGHUP is ignored in this process"), WAIT);
        }
    }

    @Test
    void aPortInUseIsOneClearErrorLine() throws Exception {
        // `listening` is a plain socket bound on loopback by this test: the agent cannot have it
        String address = "127.0.0.1:" + listening.getLocalPort();
        AgentProcess.Result r = AgentProcess.run(WAIT, "--web.listen-address", address);
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("vigil: error: cannot start on " + address + ": Address already in use"),
            r.stderr());
        // Micronaut's own handling logged the whole stack trace and left the JVM before this line was printed
        assertTrue(!r.stderr().contains("\\tat ") && !r.stderr().contains("stack="), r.stderr());
    }

    @Test
    void probeCommandRunsOnceAndPrintsTheVerdict() throws Exception {
        AgentProcess.Result ok = AgentProcess.run(WAIT, "probe", "tcp", "127.0.0.1:" + listening.getLocalPort());
        assertEquals(0, ok.exitCode(), ok.stdout() + ok.stderr());
        assertTrue(ok.stdout().startsWith("tcp 127.0.0.1:" + listening.getLocalPort() + ": OK in "), ok.stdout());

        AgentProcess.Result refused = AgentProcess.run(WAIT, "probe", "tcp", "127.0.0.1:1", "--output", "json",
            "--timeout", "2s");
        assertEquals(1, refused.exitCode());
        String json = refused.stdout().trim();
        assertTrue(json.startsWith("{\"kind\":\"tcp\",\"target\":\"127.0.0.1:1\",\"success\":false,\"reason\":\"connect_refused\""),
            json);
        assertTrue(json.contains("\"metrics\":[{\"name\":\"vigil_tcp_resolved_addresses\""), json);

        AgentProcess.Result badOption = AgentProcess.run(WAIT, "probe", "tcp", "127.0.0.1:1", "--ip-family", "v6");
        assertEquals(2, badOption.exitCode());
        assertEquals("vigil: error: --ip-family: \"v6\" is not one of any, ip4, ip6, prefer_ip4, prefer_ip6 (did you mean \"ip6\"?)",
            badOption.stderr().trim());
    }

    @Test
    void commandLineMistakesAreOneLineAndExitTwo() throws Exception {
        AgentProcess.Result r = AgentProcess.run(WAIT, "--config", "x.yml");
        assertEquals(2, r.exitCode());
        assertEquals("vigil: error: unknown flag --config (see --help)", r.stderr().trim());
        r = AgentProcess.run(WAIT, "probe", "nosuchkind", "x:1");
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().trim().startsWith("vigil: error: unknown probe kind \"nosuchkind\" (kinds: tcp"), r.stderr());
        assertEquals(1, r.stderr().trim().lines().count());
        r = AgentProcess.run(WAIT, "--log.format", "xml");
        assertEquals(2, r.exitCode());
        assertEquals("vigil: error: --log.format must be logfmt or json, got \"xml\"", r.stderr().trim());
        r = AgentProcess.run(WAIT, "--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().startsWith("vigil "), r.stdout());
        r = AgentProcess.run(WAIT, "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().contains("--web.listen-address"));
    }

    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        try (AgentProcess agent = AgentProcess.start("--log.format=json", "--web.listen-address",
            "127.0.0.1:" + AgentProcess.freePort())) {
            String line = agent.awaitLog(l -> l.contains("\"msg\":\"agent started\""), WAIT);
            assertTrue(line.startsWith("{\"ts\":\"") && line.endsWith("}"), line);
            assertTrue(line.contains("\"config\":\"<embedded>\""), line);
        }
    }
}
