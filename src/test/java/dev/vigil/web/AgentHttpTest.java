package dev.vigil.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.agent.Agent;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's HTTP surface, through a real Netty server on a random port and a real HTTP client. */
class AgentHttpTest {
    @TempDir
    Path dir;
    private ServerSocket listening;
    private ApplicationContext context;
    private Path configFile;
    private URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        listening = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        configFile = dir.resolve("vigil.yml");
        writeConfig("""
            defaults: {interval: 1m, jitter: 0s}
            tcp:
              targets:
                - {target: "127.0.0.1:%d", name: "up<&>"}
                - {target: "127.0.0.1:1", name: closed}
            """.formatted(listening.getLocalPort()));
        context = ApplicationContext.run(Map.of("micronaut.server.port", -1, "micronaut.server.host", "127.0.0.1",
            "vigil.config-file", configFile.toString()));
        EmbeddedServer server = context.getBean(EmbeddedServer.class);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getPort());
        Agent agent = context.getBean(Agent.class);
        assertTrue(agent.scheduler().await(agent::ready, Duration.ofSeconds(20)));
    }

    @AfterEach
    void stop() throws IOException {
        if (context != null) {
            context.close();
        }
        listening.close();
    }

    private void writeConfig(String yaml) throws IOException {
        Files.writeString(configFile, yaml);
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void metricsInPrometheusTextFormatByDefault() throws Exception {
        HttpResponse<byte[]> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        String body = text(r);
        assertTrue(body.contains("vigil_probe_success{kind=\"tcp\",target=\"up<&>\"} 1.0"), body);
        assertTrue(body.contains("vigil_probe_success{kind=\"tcp\",target=\"closed\"} 0.0"), body);
        assertTrue(body.contains("vigil_probe_failures_total{kind=\"tcp\",reason=\"connect_refused\",target=\"closed\"} 1.0"), body);
        assertTrue(body.contains("vigil_config_last_reload_successful 1.0"), body);
        assertTrue(body.contains("vigil_build_info{java_version="), body);
        assertTrue(body.contains("jvm_memory_used_bytes{area=\"heap\"}"), body);
        assertTrue(body.contains("jvm_threads_current"), body);
        assertTrue(body.contains("jvm_gc_collection_seconds_count"), body);
        TextFormat.assertParses(body);
    }

    @Test
    void openMetricsWhenAskedFor() throws Exception {
        HttpResponse<byte[]> r = get("/metrics", "Accept",
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("application/openmetrics-text; version=1.0.0"));
        String body = text(r);
        assertTrue(body.endsWith("# EOF\n"), "OpenMetrics must end with # EOF");
        assertTrue(body.contains("# TYPE vigil_probe_failures counter"), body);
        assertTrue(body.contains("vigil_probe_failures_total{kind=\"tcp\",reason=\"connect_refused\",target=\"closed\"} 1.0"), body);
        assertTrue(body.contains("# TYPE vigil_build info"), body);
        TextFormat.assertParses(body);
    }

    @Test
    void gzipWhenAccepted() throws Exception {
        HttpResponse<byte[]> r = get("/metrics", "Accept-Encoding", "gzip");
        assertEquals("gzip", r.headers().firstValue("content-encoding").orElseThrow());
        String body = new String(new GZIPInputStream(new ByteArrayInputStream(r.body())).readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(body.contains("vigil_probe_success{kind=\"tcp\",target=\"closed\"} 0.0"));
        HttpResponse<byte[]> plain = get("/metrics", "Accept-Encoding", "gzip;q=0, identity");
        assertFalse(plain.headers().firstValue("content-encoding").isPresent());
    }

    @Test
    void statusPageListsEveryTargetEscaped() throws Exception {
        HttpResponse<byte[]> r = get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
        String html = text(r);
        assertTrue(html.contains("<td>up&lt;&amp;&gt;</td>"), html);
        assertTrue(html.contains("<td>closed</td>"), html);
        assertTrue(html.contains("connect_refused"), html);
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src="), "external asset");
    }

    @Test
    void healthAndReady() throws Exception {
        assertEquals(200, get("/healthz").statusCode());
        HttpResponse<byte[]> ready = get("/ready");
        assertEquals(200, ready.statusCode());
        assertEquals("ready\n", text(ready));
    }

    @Test
    void reloadWithABadFileKeepsTheRunningTargets() throws Exception {
        writeConfig("tcp:\n  targets:\n    - {target: 127.0.0.1:2, timout: 1s}\n");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/-/reload"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains(configFile + ":3:29: tcp.targets[0].timout: unknown key (did you mean \"timeout\"?)"),
            r.body());
        String metrics = text(get("/metrics"));
        assertTrue(metrics.contains("vigil_config_last_reload_successful 0.0"), metrics);
        assertTrue(metrics.contains("vigil_config_reloads_total{result=\"failure\"} 1.0"), metrics);
        assertTrue(metrics.contains("target=\"up<&>\""), "old targets must keep running");
        assertTrue(text(get("/")).contains("timout"), "status page shows the refused reload's errors");

        writeConfig("tcp:\n  targets:\n    - {target: \"127.0.0.1:%d\", name: only}\n".formatted(listening.getLocalPort()));
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(base.resolve("/-/reload"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        Agent agent = context.getBean(Agent.class);
        assertTrue(agent.scheduler().await(() -> agent.scheduler().states().get(0).last() != null, Duration.ofSeconds(20)));
        metrics = text(get("/metrics"));
        assertTrue(metrics.contains("vigil_config_last_reload_successful 1.0"), metrics);
        assertFalse(metrics.contains("target=\"up<&>\""), "removed targets vanish from /metrics");
        assertTrue(metrics.contains("vigil_probe_success{kind=\"tcp\",target=\"only\"} 1.0"), metrics);
    }

    @Test
    void reloadIsPostOnly() throws Exception {
        assertEquals(405, get("/-/reload").statusCode());
    }
}
