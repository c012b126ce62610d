package dev.vigil.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.agent.Agent;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.probe.TargetState;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What goes wrong around a running agent: its configuration vanishes, reloads pile up, targets flap or do not resolve. */
class FaultInjectionTest {
    @TempDir
    Path dir;
    private ApplicationContext context;
    private Agent agent;
    private Path config;
    private URI base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        config = dir.resolve("vigil.yml");
        Files.writeString(config, """
            defaults: {interval: 200ms, timeout: 150ms, jitter: 0s}
            tcp:
              targets:
                - {target: "127.0.0.1:1", name: closed}
                # a resolver answers NXDOMAIN in milliseconds when idle, but not always within 150 ms on a loaded CI machine
                - {target: "no-such-host.invalid:443", name: nxdomain, interval: 5s, timeout: 5s}
            """);
        context = ApplicationContext.run(Map.of("micronaut.server.port", -1, "micronaut.server.host", "127.0.0.1",
            "vigil.config-file", config.toString()));
        EmbeddedServer server = context.getBean(EmbeddedServer.class);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getPort());
        agent = context.getBean(Agent.class);
        assertTrue(agent.scheduler().await(agent::ready, Duration.ofSeconds(20)));
    }

    @AfterEach
    void stop() {
        context.close();
    }

    private String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private int reload() throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/-/reload")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void deletedOrUnreadableConfigurationKeepsTheRunningOne() throws Exception {
        Files.delete(config);
        assertEquals(500, reload());
        assertTrue(agent.status().errors().get(0).toString().endsWith("file does not exist"));
        Files.createDirectory(config); // a directory where the file was: unreadable as a file
        assertEquals(500, reload());
        String m = metrics();
        assertTrue(m.contains("vigil_config_last_reload_successful 0.0"), m);
        assertTrue(m.contains("vigil_config_reloads_total{result=\"failure\"} 2.0"), m);
        long runs = state("closed").last().runNumber();
        assertTrue(agent.scheduler().await(() -> state("closed").last().runNumber() > runs + 2, Duration.ofSeconds(20)),
            "the previous configuration keeps probing");
    }

    @Test
    void unresolvableNamesFailWithReasonDns() throws Exception {
        TargetState nx = state("nxdomain");
        assertEquals("dns", nx.last().result().reason(), nx.last().result().message());
        assertTrue(metrics().contains("vigil_probe_failures_total{kind=\"tcp\",reason=\"dns\",target=\"nxdomain\"}"));
    }

    @Test
    void aReloadStormEndsInTheLastConfigurationWithoutLeakingThreads() throws Exception {
        int threadsBefore = Thread.activeCount();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            futures.add(pool.submit(() -> {
                synchronized (this) {
                    Files.writeString(config, "defaults: {interval: 200ms, timeout: 150ms, jitter: 0s}\ntcp:\n  targets:\n"
                        + "    - {target: \"127.0.0.1:1\", name: closed}\n    - {target: \"127.0.0.1:2\", name: t" + (n % 7) + "}\n");
                }
                return reload();
            }));
        }
        for (Future<?> f : futures) {
            assertEquals(200, f.get());
        }
        pool.shutdown();
        ReloadStatus s = agent.status();
        assertTrue(s.successful());
        // requests that come while a reload waits share it: every one answered, at most one reload per request
        assertTrue(s.reloads() >= 1 && s.reloads() <= 200, "reloads: " + s.reloads());
        assertEquals(2, agent.scheduler().states().size());
        assertTrue(Thread.activeCount() < threadsBefore + 40, "threads: " + threadsBefore + " -> " + Thread.activeCount());
        assertTrue(metrics().contains("vigil_config_reloads_total{result=\"success\"} " + s.reloads() + ".0"));
    }

    @Test
    void aFlappingTargetIsCountedEachTimeAndNeverStuck() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Files.writeString(config, "defaults: {interval: 100ms, timeout: 90ms, jitter: 0s}\ntcp:\n  targets:\n"
            + "    - {target: \"127.0.0.1:" + port + "\", name: flappy}\n");
        assertEquals(200, reload());
        for (int cycle = 0; cycle < 3; cycle++) {
            long failuresBefore = state("flappy").failures().getOrDefault("connect_refused", 0L);
            assertTrue(agent.scheduler().await(() -> state("flappy").failures().getOrDefault("connect_refused", 0L)
                > failuresBefore, Duration.ofSeconds(20)), "down seen");
            try (ServerSocket up = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                assertTrue(agent.scheduler().await(() -> state("flappy").last().result().success(), Duration.ofSeconds(20)),
                    "up seen in cycle " + cycle);
            } catch (IOException portTaken) {
                return; // another process took the port meanwhile: nothing more to learn here
            }
        }
        assertTrue(state("flappy").failures().get("connect_refused") >= 3);
        assertEquals(0, agent.scheduler().abandonedRuns());
    }

    private TargetState state(String name) {
        return agent.scheduler().states().stream().filter(s -> s.target().name().equals(name)).findFirst().orElseThrow();
    }
}
