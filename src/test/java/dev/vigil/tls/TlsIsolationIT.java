package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.TargetSnapshot;
import dev.vigil.probe.TargetState;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Silent and trickling targets do not hold up healthy ones nor the scrape: through the real scheduler, the healthy
 * targets are all probed while the bad ones are still waiting for their deadline, and a scrape meanwhile is fast.
 */
class TlsIsolationIT {
    @TempDir
    Path dir;

    @Test
    void badTargetsDelayNeitherGoodOnesNorTheScrape() throws Exception {
        OpenSslServer.assumeOpenSsl();
        Hierarchy pki = Hierarchy.create(KeyType.EC);
        Issued leaf = pki.leaf("good").ip("127.0.0.1").build();
        Path ca = TestPki.write(dir, "ca.pem", pki.root().pem());
        try (OpenSslServer good = OpenSslServer.start("127.0.0.1", TestPki.write(dir, "g.crt", leaf.pem()).toString(),
                TestPki.write(dir, "g.key", leaf.keyPem()).toString(), TestPki.write(dir, "c.pem", pki.intermediate().pem()).toString());
             ScriptedServer silent = new ScriptedServer((s, srv) -> s.getInputStream().readAllBytes());
             Scheduler scheduler = new Scheduler(ProbeKinds.builtIn(), HostPaths.HOST)) {
            StringBuilder yaml = new StringBuilder("agent:\n  max_concurrent_probes: 8\ntls:\n  jitter: 0s\n  targets:\n");
            for (int i = 0; i < 6; i++) {
                yaml.append("    - target: 127.0.0.1:").append(silent.port()).append("\n      name: silent").append(i)
                    .append("\n      timeout: 5s\n");
            }
            for (int i = 0; i < 20; i++) {
                yaml.append("    - target: 127.0.0.1:").append(good.port()).append("\n      name: good").append(i)
                    .append("\n      ca_file: ").append(ca).append('\n');
            }
            long start = System.nanoTime();
            scheduler.apply(new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("isolation.yml", yaml.toString()));
            assertTrue(scheduler.await(() -> goodDone(scheduler) == 20, Duration.ofSeconds(4)),
                "healthy targets probed while silent ones wait");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(seconds < 4, "healthy targets took " + seconds + " s");
            assertTrue(scheduler.states().stream().filter(s -> s.target().name().startsWith("silent"))
                .allMatch(s -> s.last() == null), "silent targets still running: this test proves nothing otherwise");

            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new VigilCollector(scheduler, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "x"),
                BuildInfo.current()));
            long scrapeStart = System.nanoTime();
            new Exposition(registry).render("text/plain", null);
            double scrapeMs = (System.nanoTime() - scrapeStart) / 1e6;
            assertTrue(scrapeMs < 1000, "scrape took " + scrapeMs + " ms");

            assertTrue(scheduler.await(() -> scheduler.states().stream().allMatch(s -> s.last() != null), Duration.ofSeconds(10)));
            for (TargetState s : scheduler.states()) {
                TargetSnapshot snap = s.last();
                if (s.target().name().startsWith("silent")) {
                    assertEquals("handshake_timeout", snap.result().reason());
                    assertTrue(snap.durationSeconds() < 5.5, "silent probe took " + snap.durationSeconds());
                } else {
                    assertTrue(snap.result().success(), snap.result().message());
                }
            }
        }
    }

    private static long goodDone(Scheduler scheduler) {
        return scheduler.states().stream().filter(s -> s.target().name().startsWith("good"))
            .filter(s -> s.last() != null).count();
    }
}
