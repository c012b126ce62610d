package dev.vigil.cadvisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Golden;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Target;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockserver.integration.ClientAndServer;
import org.mockserver.model.ConnectionOptions;

/** The cadvisor probe against served expositions: real cAdvisor output, kubelet-shaped polls, and bad servers. */
class CadvisorProbeTest {
    private static ClientAndServer mock;
    private static String template;

    @BeforeAll
    static void startMockServer() throws Exception {
        mock = ClientAndServer.startClientAndServer(0);
        template = resource("kubelet.txt.template");
    }

    @AfterAll
    static void stopMockServer() {
        mock.stop();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    static String resource(String name) throws Exception {
        return Files.readString(Path.of(CadvisorProbeTest.class.getResource("/cadvisor/" + name).toURI()));
    }

    private static Probe probe(String extra) throws Exception {
        return probe("http://127.0.0.1:" + mock.getPort(), extra);
    }

    private static Probe probe(String url, String extra) throws Exception {
        String yaml = "cadvisor:\n  targets:\n    - target: " + url + "\n      name: node\n" + extra;
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("t.yml", yaml).targets().get(0);
        return new CadvisorKind().create(t, HostPaths.HOST);
    }

    private static void serve(String body) {
        mock.reset();
        mock.when(request().withPath("/metrics")).respond(response().withStatusCode(200)
            .withHeader("Content-Type", "text/plain; version=0.0.4").withBody(body));
    }

    /** One kubelet poll with the api container's values. */
    static String poll(Map<String, String> api) {
        Map<String, String> v = new HashMap<>(Map.of("API_ID", "beef01", "API_PERIODS", "1000", "API_THROTTLED", "10",
            "API_CPU", "120.5", "API_WS", "4.0265318e+08", "API_OOM", "0", "API_START", "1.7955e+09",
            "TS", Long.toString(System.currentTimeMillis())));
        v.putAll(api);
        String out = template;
        for (Map.Entry<String, String> e : v.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue());
        }
        return out;
    }

    private static ProbeResult run(Probe p) throws Exception {
        return p.run(Deadline.after(Duration.ofSeconds(5)));
    }

    /** metric{label=value,...} → value, for the samples of one container (or the node when container is null). */
    static Map<String, Double> values(ProbeResult r, String container) {
        return r.samples().stream().filter(s -> container == null ? s.labelValues().size() == 1
                : s.labelValues().size() > 1 && s.labelValues().get(1).equals(container))
            .collect(Collectors.toMap(s -> s.family().name(), Sample::value));
    }

    @Test
    void realCadvisorOutputGivesTheContainersVerdict() throws Exception {
        serve(resource("prometheus_metrics"));
        ProbeResult r = run(probe("      stale_after: 36500d\n"));
        assertTrue(r.success(), r.message());
        Map<String, Double> c = values(r, "testcontaineralias");
        assertEquals(9.0, c.get("vigil_container_memory_working_set_bytes"));
        assertEquals(14e-9, c.get("vigil_container_cpu_usage_seconds_total"), 1e-15, "sum of the per-CPU series");
        assertEquals(0.0, c.get("vigil_container_oom_events_total"));
        assertEquals(1.257895e9, c.get("vigil_container_start_time_seconds"));
        assertEquals(0.0, c.get("vigil_container_restarts_total"));
        assertFalse(c.containsKey("vigil_container_memory_limit_bytes"), "the fixture has no limit: no series");
        assertFalse(c.containsKey("vigil_container_cpu_throttled_ratio"), "no ratio on the first poll");
        Sample ws = r.samples().stream().filter(s -> s.family().name().equals("vigil_container_memory_working_set_bytes"))
            .findFirst().orElseThrow();
        assertEquals(List.of("node", "testcontaineralias", "", "", "test"), ws.labelValues());
        Map<String, Double> node = values(r, null);
        assertEquals(1.0, node.get("vigil_cadvisor_up"));
        assertEquals(1.0, node.get("vigil_cadvisor_containers"));
        assertTrue(node.get("vigil_cadvisor_data_age_seconds") > 365 * 86400, "the fixture is from 2014");
    }

    @Test
    void oldDataIsStale() throws Exception {
        serve(resource("prometheus_metrics"));
        ProbeResult r = run(probe(""));
        assertFalse(r.success());
        assertEquals("stale", r.reason());
        assertEquals(9.0, values(r, "testcontaineralias").get("vigil_container_memory_working_set_bytes"),
            "stale data is still exported with its verdict");
    }

    @Test
    void cadvisorsOwnFailureIsReported() throws Exception {
        serve(resource("prometheus_metrics_failure"));
        ProbeResult r = run(probe(""));
        assertEquals("cadvisor_error", r.reason());
        assertEquals(0.0, values(r, null).get("vigil_cadvisor_up"));
    }

    @Test
    void kubeletShapeKeepsContainersOnlyAndHandlesLimits() throws Exception {
        serve(poll(Map.of()));
        ProbeResult r = run(probe(""));
        assertTrue(r.success(), r.message());
        assertEquals(3.0, values(r, null).get("vigil_cadvisor_containers"), "root, pod cgroup and pause are not containers");
        Map<String, Double> api = values(r, "api");
        assertEquals(536870912.0, api.get("vigil_container_memory_limit_bytes"));
        assertEquals(402653180.0 / 536870912.0, api.get("vigil_container_memory_limit_ratio"), 1e-6);
        Map<String, Double> worker = values(r, "worker");
        assertFalse(worker.containsKey("vigil_container_memory_limit_bytes"), "limit 0 means none");
        assertFalse(worker.containsKey("vigil_container_memory_limit_ratio"));
        Map<String, Double> coredns = values(r, "coredns");
        assertFalse(coredns.containsKey("vigil_container_memory_limit_bytes"), "page-counter max means none");
        Sample s = r.samples().stream().filter(x -> x.family().name().equals("vigil_container_memory_limit_bytes"))
            .findFirst().orElseThrow();
        assertEquals(List.of("node", "api", "api-7d9f8-abcde", "shop", "registry.example/api:1.4.2"), s.labelValues());
    }

    @Test
    void restartsOomKillsThrottlingAndResetsAcrossPolls() throws Exception {
        Probe p = probe("");
        serve(poll(Map.of()));
        run(p);
        serve(poll(Map.of("API_PERIODS", "1100", "API_THROTTLED", "35", "API_CPU", "130.5", "API_OOM", "1")));
        Map<String, Double> api = values(run(p), "api");
        assertEquals(0.25, api.get("vigil_container_cpu_throttled_ratio"), 1e-9, "25 of 100 periods throttled");
        assertEquals(1.0, api.get("vigil_container_oom_events_total"));
        assertEquals(0.0, api.get("vigil_container_restarts_total"));

        // OOM-killed and restarted: new cgroup id, new start time, cAdvisor's counters start again from zero
        serve(poll(Map.of("API_ID", "beef02", "API_START", "1.7956e+09", "API_PERIODS", "5", "API_THROTTLED", "0",
            "API_CPU", "0.5", "API_OOM", "0")));
        api = values(run(p), "api");
        assertEquals(1.0, api.get("vigil_container_restarts_total"));
        assertEquals(1.0, api.get("vigil_container_oom_events_total"), "the OOM kill of the old incarnation is kept");
        assertEquals(131.0, api.get("vigil_container_cpu_usage_seconds_total"), 1e-9, "CPU seconds kept across the restart");
        assertEquals(1.7956e9, api.get("vigil_container_start_time_seconds"));
        assertFalse(api.containsKey("vigil_container_cpu_throttled_ratio"), "no ratio across a restart");

        // a counter reset without a restart (cAdvisor restarted) does not make totals go down
        serve(poll(Map.of("API_ID", "beef02", "API_START", "1.7956e+09", "API_PERIODS", "3", "API_THROTTLED", "0",
            "API_CPU", "0.25", "API_OOM", "0")));
        api = values(run(p), "api");
        assertEquals(131.25, api.get("vigil_container_cpu_usage_seconds_total"), 1e-9);
        assertEquals(1.0, api.get("vigil_container_restarts_total"));
        assertFalse(api.containsKey("vigil_container_cpu_throttled_ratio"), "periods went down: no ratio");
        assertEquals(0.0, values(run(p), "worker").get("vigil_container_restarts_total"));
    }

    @Test
    void aDeadIncarnationStillListedDoesNotCountAsAnotherRestart() throws Exception {
        Probe p = probe("");
        serve(poll(Map.of()));
        run(p);
        String both = poll(Map.of("API_ID", "beef02", "API_START", "1.7956e+09"))
            + poll(Map.of()).lines().filter(l -> l.contains("beef01")).collect(Collectors.joining("\n")) + "\n";
        serve(both);
        assertEquals(1.0, values(run(p), "api").get("vigil_container_restarts_total"));
        assertEquals(1.0, values(run(p), "api").get("vigil_container_restarts_total"));
    }

    @Test
    void filtersAndTheCapKeepTheBiggestConsumers() throws Exception {
        serve(poll(Map.of()));
        ProbeResult r = run(probe("      exclude: {namespace: [kube-*]}\n      max_containers: 1\n"));
        assertEquals(2.0, values(r, null).get("vigil_cadvisor_containers"));
        assertEquals(1.0, values(r, null).get("vigil_cadvisor_containers_dropped"));
        assertTrue(values(r, "api").containsKey("vigil_container_memory_working_set_bytes"), "api is the biggest");
        assertTrue(values(r, "worker").isEmpty());
        assertTrue(values(r, "coredns").isEmpty());
        r = run(probe("      include: {image: [\"rancher/*\"]}\n"));
        assertEquals(1.0, values(r, null).get("vigil_cadvisor_containers"));
        assertFalse(values(r, "coredns").isEmpty());
    }

    /**
     * A kubelet with 12,000 containers whose image names are 20 KB long: labels are cut to the shared length limit as
     * they are read, at most 10,000 cgroups are kept, and the container count stays true.
     */
    @Test
    void hugeLabelsAreCutAsTheyAreReadAndCgroupsBeyondTheCapAreCountedNotKept() throws Exception {
        String longImage = "registry.example/" + "x".repeat(20_000) + ":1";
        StringBuilder page = new StringBuilder("# TYPE container_memory_working_set_bytes gauge\n");
        long ts = System.currentTimeMillis();
        for (int i = 0; i < 12_000; i++) {
            String id = String.format("c%05d", i);
            page.append("container_memory_working_set_bytes{container=\"app").append(i).append("\",id=\"/kubepods/pod")
                .append(i).append('/').append(id).append("\",image=\"").append(i < 100 ? longImage : "registry.example/app:1")
                .append("\",name=\"").append(id).append("\",namespace=\"ns\",pod=\"pod").append(i).append("\"} ")
                .append(1_000_000 + i).append(' ').append(ts).append('\n');
        }
        serve(page.toString());
        ProbeResult r = run(probe("      max_containers: 2000\n"));
        assertTrue(r.success(), r.reason() + " " + r.message());
        assertEquals(12_000.0, values(r, null).get("vigil_cadvisor_containers"), "the count stays true beyond the cap");
        int longest = r.samples().stream().flatMap(smp -> smp.labelValues().stream()).mapToInt(String::length).max()
            .orElse(0);
        assertTrue(longest <= dev.vigil.probe.SeriesLimits.MAX_LABEL_VALUE_LENGTH, "longest label value: " + longest);
        assertTrue(r.details().values().stream().anyMatch(v -> v.contains("10000")), "the cut is said: " + r.details());
    }

    @Test
    void garbageIsBadResponse() throws Exception {
        serve("{\"this\": \"is json, not an exposition\"}\n");
        ProbeResult r = run(probe(""));
        assertEquals("bad_response", r.reason());
        assertEquals(0.0, values(r, null).get("vigil_cadvisor_up"));
        serve("<html><body>502 Bad Gateway</body></html>\n");
        assertEquals("bad_response", run(probe("")).reason());
    }

    @Test
    void aBodyCutInTheMiddleOfALineIsBadResponse() throws Exception {
        String full = poll(Map.of());
        serve(full.substring(0, full.indexOf("container_memory_working_set_bytes{container=\"api\"") + 60));
        ProbeResult r = run(probe(""));
        assertEquals("bad_response", r.reason());
        assertTrue(r.message().contains("truncated"), r.message());
    }

    @Test
    void aConnectionClosedBeforeTheAnnouncedLengthIsBadResponse() throws Exception {
        String body = poll(Map.of());
        mock.when(request().withPath("/metrics")).respond(response().withStatusCode(200).withBody(body)
            .withConnectionOptions(ConnectionOptions.connectionOptions()
                .withContentLengthHeaderOverride(body.length() * 2).withCloseSocket(true)));
        ProbeResult r = run(probe(""));
        assertEquals("bad_response", r.reason(), r.message());
    }

    @Test
    void httpErrorsHaveTheirReason() throws Exception {
        mock.when(request().withPath("/metrics")).respond(response().withStatusCode(500).withBody("boom"));
        assertEquals("http_status", run(probe("")).reason());
        mock.reset();
        mock.when(request().withPath("/metrics")).respond(response().withStatusCode(401));
        assertEquals("auth_rejected", run(probe("")).reason());
    }

    @Test
    void bearerTokenIsSentAndReReadEveryPoll(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "first-token\n");
        mock.when(request().withPath("/metrics/cadvisor").withHeader("Authorization", "Bearer second-token"))
            .respond(response().withStatusCode(200).withBody(poll(Map.of())));
        mock.when(request().withPath("/metrics/cadvisor")).respond(response().withStatusCode(401));
        Probe p = probe("      metrics_path: /metrics/cadvisor\n      bearer_token_file: " + token + "\n");
        assertEquals("auth_rejected", run(p).reason());
        Files.writeString(token, "second-token\n");
        assertTrue(run(p).success(), "rotated token not picked up");
    }

    @Test
    void aServerThatNeverAnswersEndsAtTheDeadline() throws Exception {
        mock.when(request().withPath("/metrics")).respond(response().withStatusCode(200).withBody("x")
            .withDelay(TimeUnit.SECONDS, 30));
        long t0 = System.nanoTime();
        ProbeResult r = probe("").run(Deadline.after(Duration.ofMillis(500)));
        double took = (System.nanoTime() - t0) / 1e9;
        assertEquals("timeout", r.reason());
        assertTrue(took < 3, "took " + took + " s");
    }

    @Test
    void refusedConnection() throws Exception {
        ProbeResult r = run(probe("http://127.0.0.1:1", ""));
        assertEquals("connect_refused", r.reason());
        assertEquals(0.0, values(r, null).get("vigil_cadvisor_up"));
    }

    /** An endless body: reading stops at max_response_size, so memory stays bounded whatever the server sends. */
    @Test
    void aHugeResponseIsCutAtMaxResponseSize() throws Exception {
        AtomicLong written = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] line = ("container_memory_working_set_bytes{container=\"x\",id=\"/a\",image=\"i\",name=\"n\"} 1\n")
                .repeat(100).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 1_000_000; i++) {
                    out.write(line);
                    written.addAndGet(line.length);
                }
            } catch (IOException clientWentAway) {
                // expected: the probe stops reading
            }
        });
        server.start();
        try {
            ProbeResult r = probe("http://127.0.0.1:" + server.getAddress().getPort(), "      max_response_size: 1MiB\n")
                .run(Deadline.after(Duration.ofSeconds(10)));
            assertEquals("too_large", r.reason());
        } finally {
            server.stop(0);
        }
        assertTrue(written.get() < 64L << 20, "server wrote " + written.get() + " bytes before the probe hung up");
    }

    /** One REST API poll with the api container's values. */
    static String apiPoll(Map<String, String> api) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        Map<String, String> v = new HashMap<>(Map.of("API_ID", "beef01", "API_PERIODS", "1000", "API_THROTTLED", "10",
            "API_CPU_NS", "120500000000", "API_OOM_FIELD", "", "API_CREATED", "2026-11-22T10:00:00Z",
            "TS", now.toString(), "TS_OLD", now.minusSeconds(10).toString()));
        v.putAll(api);
        String out = resource("api-subcontainers.json.template");
        for (Map.Entry<String, String> e : v.entrySet()) {
            out = out.replace("${" + e.getKey() + "}", e.getValue());
        }
        return out;
    }

    private static void serveApi(String json) {
        mock.reset();
        mock.when(request().withPath("/api/v1.3/subcontainers/")).respond(response().withStatusCode(200)
            .withHeader("Content-Type", "application/json").withBody(json));
    }

    @Test
    void restApiGivesTheSameVerdictsIncludingOomKillsAndRestarts() throws Exception {
        Probe p = probe("      source: api\n");
        serveApi(apiPoll(Map.of()));
        ProbeResult r = run(p);
        assertTrue(r.success(), r.message());
        assertEquals(2.0, values(r, null).get("vigil_cadvisor_containers"), "the root cgroup is not a container");
        Map<String, Double> api = values(r, "api");
        assertEquals(402653184.0, api.get("vigil_container_memory_working_set_bytes"), "the newest stat is used");
        assertEquals(536870912.0, api.get("vigil_container_memory_limit_bytes"));
        assertEquals(0.75, api.get("vigil_container_memory_limit_ratio"), 1e-9);
        assertEquals(120.5, api.get("vigil_container_cpu_usage_seconds_total"), 1e-9);
        assertEquals(0.0, api.get("vigil_container_oom_events_total"), "oom_events omitted means 0");
        assertEquals(java.time.Instant.parse("2026-11-22T10:00:00Z").getEpochSecond(),
            api.get("vigil_container_start_time_seconds"), 1e-3);
        Sample ws = r.samples().stream().filter(s -> s.family().name().equals("vigil_container_memory_working_set_bytes")
            && s.labelValues().get(1).equals("api")).findFirst().orElseThrow();
        assertEquals(List.of("node", "api", "api-7d9f8-abcde", "shop", "registry.example/api:1.4.2"), ws.labelValues());
        Map<String, Double> docker = values(r, "nightly-report");
        assertEquals(20971520.0, docker.get("vigil_container_memory_working_set_bytes"), "Docker name from the aliases");
        assertFalse(docker.containsKey("vigil_container_memory_limit_bytes"), "page-counter max means no limit");
        assertTrue(values(r, null).get("vigil_cadvisor_data_age_seconds") < 60);

        serveApi(apiPoll(Map.of("API_PERIODS", "1100", "API_THROTTLED", "60", "API_OOM_FIELD", "\"oom_events\": 2,")));
        api = values(run(p), "api");
        assertEquals(0.5, api.get("vigil_container_cpu_throttled_ratio"), 1e-9);
        assertEquals(2.0, api.get("vigil_container_oom_events_total"));

        serveApi(apiPoll(Map.of("API_ID", "beef02", "API_CREATED", "2026-11-23T10:00:00Z", "API_CPU_NS", "500000000",
            "API_PERIODS", "3", "API_THROTTLED", "0")));
        api = values(run(p), "api");
        assertEquals(1.0, api.get("vigil_container_restarts_total"));
        assertEquals(2.0, api.get("vigil_container_oom_events_total"), "OOM kills of the old incarnation kept");
        assertEquals(121.0, api.get("vigil_container_cpu_usage_seconds_total"), 1e-9);
    }

    @Test
    void autoUsesTheApiWhereItExistsAndTheExpositionElsewhere() throws Exception {
        Probe p = probe("");
        serveApi(apiPoll(Map.of()));
        ProbeResult r = run(p);
        assertTrue(r.details().get("response").endsWith("from api"), r.details().toString());
        serve(poll(Map.of()));
        Probe q = probe("");
        r = run(q);
        assertTrue(r.success(), r.message());
        assertTrue(r.details().get("response").endsWith("from metrics"), r.details().toString());
        assertEquals(3.0, values(r, null).get("vigil_cadvisor_containers"));
    }

    @Test
    void apiGarbageAndTruncatedJsonAreBadResponse() throws Exception {
        serveApi("{\"not\": \"a list\"}");
        assertEquals("bad_response", run(probe("      source: api\n")).reason());
        String full = apiPoll(Map.of());
        serveApi(full.substring(0, full.length() / 2));
        ProbeResult r = run(probe("      source: api\n"));
        assertEquals("bad_response", r.reason());
        serveApi(apiPoll(Map.of()));
        assertEquals("too_large", run(probe("      source: api\n      max_response_size: 1KiB\n")).reason());
    }

    @Test
    void configErrors() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.vigil.config.ConfigException.class, () ->
            new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("c.yml", """
                cadvisor:
                  targets:
                    - target: 127.0.0.1:8080
                    - target: http://127.0.0.1:8080
                      include: {names: [x]}
                      metrics_path: metrics
                """));
        assertEquals(List.of(
            "c.yml:3:15: cadvisor.targets[0].target: \"127.0.0.1:8080\" is not an http:// or https:// URL",
            "c.yml:5:17: cadvisor.targets[1].include.names: unknown key (did you mean \"name\"?)",
            "c.yml:6:21: cadvisor.targets[1].metrics_path: must start with /"),
            e.errors().stream().map(Object::toString).toList());
        assertTrue(Optional.of(1).isPresent());
    }

    /** cAdvisor's own exposition (a fixture from 2014) and a refused connection: golden/cadvisor.prom. */
    @Test
    void goldenExposition() throws Exception {
        serve(resource("prometheus_metrics"));
        Map<String, ProbeResult> results = new java.util.LinkedHashMap<>();
        results.put("node", run(probe("      stale_after: 36500d\n")));
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        results.put("down", run(probe("http://127.0.0.1:" + closed, "")));
        Golden golden = Golden.of(new CadvisorKind()).volatileValues("vigil_cadvisor_data_age_seconds")
            .replace("127.0.0.1:" + closed, "127.0.0.1:<port>");
        golden.check(golden.render(results));
    }
}
