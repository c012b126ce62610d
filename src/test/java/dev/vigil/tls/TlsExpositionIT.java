package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.Golden;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scrape of both kinds, through the real scheduler and collector, passes {@code promtool check metrics} (Debian
 * package {@code prometheus}) and carries the failing target's certificate facts.
 */
class TlsExpositionIT {
    @TempDir
    Path dir;

    @Test
    void scrapeOfTlsAndCertfilePassesPromtool() throws Exception {
        OpenSslServer.assumeOpenSsl();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")) || Files.isExecutable(Path.of("/usr/local/bin/promtool")),
            "promtool is not installed (apt-get install prometheus)");
        Hierarchy pki = Hierarchy.create(KeyType.EC);
        Issued good = pki.leaf("good").ip("127.0.0.1").build();
        Issued expired = pki.leaf("old").ip("127.0.0.1").valid(java.time.Instant.now().minus(Duration.ofDays(9)),
            java.time.Instant.now().minus(Duration.ofDays(1))).build();
        Path ca = TestPki.write(dir, "ca.pem", pki.root().pem());
        Path chain = TestPki.write(dir, "chain.pem", pki.intermediate().pem());
        TestPki.write(dir, "bundle.crt", good.pem(), pki.intermediate().pem());
        try (OpenSslServer a = OpenSslServer.start("127.0.0.1", TestPki.write(dir, "a.crt", good.pem()).toString(),
                TestPki.write(dir, "a.key", good.keyPem()).toString(), chain.toString());
             OpenSslServer b = OpenSslServer.start("127.0.0.1", TestPki.write(dir, "b.crt", expired.pem()).toString(),
                 TestPki.write(dir, "b.key", expired.keyPem()).toString(), chain.toString());
             Scheduler scheduler = new Scheduler(ProbeKinds.builtIn(), HostPaths.HOST)) {
            String yaml = "tls:\n  jitter: 0s\n  defaults:\n    ca_file: " + ca + "\n  targets:\n"
                + "    - target: 127.0.0.1:" + a.port() + "\n      name: good\n"
                + "    - target: 127.0.0.1:" + b.port() + "\n      name: expired\n"
                + "certfiles:\n  jitter: 0s\n  targets:\n    - path: " + dir + "/*.crt\n      name: files\n"
                + "    - path: " + dir + "/nothing/*.pem\n      name: missing\n";
            scheduler.apply(new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("exposition.yml", yaml));
            assertTrue(scheduler.await(scheduler::firstRoundDone, Duration.ofSeconds(30)));
            PrometheusRegistry registry = new PrometheusRegistry();
            registry.register(new VigilCollector(scheduler, () -> new ReloadStatus(true, 0, 0, 0, List.of(), "x"),
                BuildInfo.current()));
            String text = new String(new Exposition(registry).render("text/plain", null).bytes(), StandardCharsets.UTF_8);
            assertTrue(text.contains("vigil_tls_verified{reason=\"expired\",target=\"expired\"} 0.0")
                || text.contains("vigil_tls_verified{target=\"expired\",reason=\"expired\"} 0.0"), text);
            assertTrue(text.contains("vigil_tls_cert_not_after_timestamp_seconds{"), text);
            assertTrue(text.contains("vigil_certfile_read_errors{"), text);

            // the negotiated cipher varies: BoringSSL picks ChaCha20 without AES hardware
            Golden golden = Golden.of(new TlsKind()).replace(dir.toString(), "<dir>")
                .replaceAll("(serial|fingerprint_sha256)=\"[0-9a-f]+\"", "$1=\"<hex>\"")
                .replaceAll("cipher=\"[A-Z0-9_]+\"", "cipher=\"<cipher>\"");
            golden.check(golden.render(scheduler));

            Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
            promtool.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            promtool.getOutputStream().close();
            String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
            List<String> problems = out.lines().filter(l -> l.contains("vigil_tls") || l.contains("vigil_certfile")).toList();
            assertEquals(List.of(), problems, out);
        }
    }
}
