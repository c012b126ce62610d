package dev.vigil.cadvisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigException;
import dev.vigil.config.HostPaths;
import dev.vigil.it.Tools;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import dev.vigil.tls.TestPki;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cAdvisor behind an HTTPS listener that demands a client certificate (a kubelet with {@code --client-ca-file} and no
 * token authentication), played by a real {@code openssl s_server -WWW -Verify 1} serving real cAdvisor output: the
 * probe's {@code cert_file}/{@code key_file} are sent, the server is verified with {@code ca_file}, and without a
 * certificate the server's refusal is a failed poll. Needs openssl.
 */
class CadvisorClientCertIT {
    private static final Pattern ACCEPT = Pattern.compile("^ACCEPT(?: .*:(\\d+))?$");
    @TempDir
    static Path dir;
    private static Process server;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        String openssl = Tools.require("openssl", "openssl");
        TestPki.Issued ca = TestPki.cert("kubelet ca").keys(TestPki.KeyType.EC).ca().build();
        TestPki.Issued serverCert = TestPki.cert("localhost").keys(TestPki.KeyType.EC).issuer(ca).build();
        TestPki.Issued client = TestPki.cert("vigil").keys(TestPki.KeyType.EC).issuer(ca).build();
        Files.writeString(dir.resolve("ca.crt"), ca.pem());
        Files.writeString(dir.resolve("server.crt"), serverCert.pem());
        Files.writeString(dir.resolve("server.key"), serverCert.keyPem());
        Files.writeString(dir.resolve("client.crt"), client.pem());
        Files.writeString(dir.resolve("client.key"), client.keyPem());
        Path www = Files.createDirectory(dir.resolve("www"));
        Files.writeString(www.resolve("metrics"), CadvisorProbeTest.resource("prometheus_metrics"));
        ProcessBuilder pb = new ProcessBuilder(openssl, "s_server", "-accept", "127.0.0.1:0", "-cert",
            dir.resolve("server.crt").toString(), "-key", dir.resolve("server.key").toString(), "-CAfile",
            dir.resolve("ca.crt").toString(), "-Verify", "1", "-WWW").directory(www.toFile()).redirectErrorStream(true);
        server = pb.start();
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        StringBuffer output = new StringBuffer();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.append(line).append('\n');
                    Matcher m = ACCEPT.matcher(line);
                    if (m.find() && m.group(1) != null) {
                        ready.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException e) {
                // the server is gone
            }
            ready.completeExceptionally(new IOException("openssl s_server exited: " + output));
        }, "s_server-output");
        drain.setDaemon(true);
        drain.start();
        port = ready.get(20, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    private static ProbeResult poll(String extra) throws Exception {
        String yaml = "cadvisor:\n  targets:\n    - target: https://localhost:" + port + "\n      name: node\n"
            + "      source: metrics\n      stale_after: 36500d\n      ip_family: ip4\n      ca_file: " + dir.resolve("ca.crt")
            + "\n" + extra;
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("c.yml", yaml).targets().get(0);
        return new CadvisorKind().create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(10)));
    }

    @Test
    void theClientCertificateIsSentAndTheServerVerified() throws Exception {
        ProbeResult r = poll("      cert_file: " + dir.resolve("client.crt") + "\n      key_file: " + dir.resolve("client.key")
            + "\n");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(9.0, CadvisorProbeTest.values(r, "testcontaineralias").get("vigil_container_memory_working_set_bytes"));
    }

    @Test
    void withoutACertificateTheServersRefusalFailsThePoll() throws Exception {
        ProbeResult r = poll("");
        assertFalse(r.success());
        assertEquals("auth_rejected", r.reason(), "the server's TLS alert refuses the missing certificate: " + r.message());
    }

    @Test
    void aServerNotSignedByTheCaFileIsAHandshakeFailure() throws Exception {
        TestPki.Issued other = TestPki.cert("other ca").keys(TestPki.KeyType.EC).ca().build();
        Files.writeString(dir.resolve("other.crt"), other.pem());
        String yaml = "cadvisor:\n  targets:\n    - target: https://localhost:" + port + "\n      name: node\n"
            + "      source: metrics\n      ca_file: " + dir.resolve("other.crt") + "\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("c.yml", yaml).targets().get(0);
        ProbeResult r = new CadvisorKind().create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(10)));
        assertEquals("handshake_failed", r.reason(), r.message());
    }

    @Test
    void certAndKeyGoTogetherAndNeedHttps() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
            () -> new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("c.yml",
                "cadvisor:\n  targets:\n    - target: http://127.0.0.1:1\n      cert_file: " + dir.resolve("client.crt")
                    + "\n      key_file: " + dir.resolve("client.key") + "\n    - target: https://127.0.0.1:1\n"
                    + "      cert_file: " + dir.resolve("client.crt") + "\n"));
        assertTrue(e.getMessage().contains("cadvisor.targets[0].cert_file: TLS files need an https:// target"),
            e.getMessage());
        assertTrue(e.getMessage().contains("cadvisor.targets[1].key_file: cert_file and key_file go together"),
            e.getMessage());
        assertFalse(e.getMessage().contains("PRIVATE KEY"), e.getMessage());
    }
}
