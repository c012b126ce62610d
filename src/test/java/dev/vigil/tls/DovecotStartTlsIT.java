package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import dev.vigil.probe.ProbeResult;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The imap and pop3 dialects against a real Dovecot (Debian packages {@code dovecot-imapd dovecot-pop3d}): a private
 * instance in a temporary directory, in the foreground on two loopback ports, plain-text listeners that require
 * STARTTLS / STLS before anything else. Needs root (Dovecot drops to its own users); stopped by its process id, with
 * its children, after each test.
 */
class DovecotStartTlsIT {
    @TempDir
    Path dir;
    private Process dovecot;
    private int imapPort;
    private int pop3Port;
    private Path caFile;
    private Issued leaf;

    @BeforeEach
    void start() throws Exception {
        String binary = Tools.require("dovecot", "dovecot-imapd dovecot-pop3d");
        assumeTrue("root".equals(System.getProperty("user.name")) || "true".equalsIgnoreCase(System.getenv("CI")),
            "Dovecot needs root to start (it switches to its own users)");
        Hierarchy pki = Hierarchy.create(KeyType.EC);
        leaf = pki.leaf("mail.example.com").dns("mail.example.com").build();
        caFile = TestPki.write(dir, "ca.pem", pki.root().pem());
        Path cert = TestPki.write(dir, "cert.pem", leaf.pem(), pki.intermediate().pem());
        Path key = TestPki.write(dir, "key.pem", leaf.keyPem());
        for (String sub : new String[] {"run", "state", "mail"}) {
            Files.createDirectories(dir.resolve(sub));
        }
        // /tmp is not world-searchable everywhere; the login processes run as dovenull and need the run directory
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        imapPort = AgentProcess.freePort();
        pop3Port = AgentProcess.freePort();
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, String.join("\n",
            "base_dir = " + dir.resolve("run"),
            "state_dir = " + dir.resolve("state"),
            "instance_name = vigil-test-" + imapPort,
            "log_path = /dev/stderr",
            "protocols = imap pop3",
            "listen = 127.0.0.1",
            "ssl = required",
            "ssl_cert = <" + cert,
            "ssl_key = <" + key,
            "passdb {", "  driver = static", "  args = password=unused", "}",
            "userdb {", "  driver = static", "  args = uid=nobody gid=nogroup home=" + dir.resolve("mail"), "}",
            "mail_location = maildir:" + dir.resolve("mail"),
            "service imap-login {", "  chroot =",
            "  inet_listener imap {", "    port = " + imapPort, "  }",
            "  inet_listener imaps {", "    port = 0", "  }", "}",
            "service pop3-login {", "  chroot =",
            "  inet_listener pop3 {", "    port = " + pop3Port, "  }",
            "  inet_listener pop3s {", "    port = 0", "  }", "}",
            "service anvil {", "  chroot =", "}", ""));
        dovecot = new ProcessBuilder(binary, "-F", "-c", conf.toString()).redirectErrorStream(true).start();
        CompletableFuture<Void> up = new CompletableFuture<>();
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(dovecot.getInputStream(),
                StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    if (line.contains("starting up")) {
                        up.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            up.completeExceptionally(new IOException("dovecot exited: " + output));
        }, "dovecot-output");
        reader.setDaemon(true);
        reader.start();
        up.get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (dovecot == null) {
            return;
        }
        var children = dovecot.descendants().toList();
        dovecot.destroy();
        if (!dovecot.waitFor(10, TimeUnit.SECONDS)) {
            dovecot.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private ProbeResult probe(int port, String dialect, String provider) {
        return Probes.runOnce("tls:\n  timeout: 5s\n  targets:\n    - target: 127.0.0.1:" + port
            + "\n      starttls: " + dialect + "\n      server_name: mail.example.com\n      provider: " + provider
            + "\n      ca_file: " + caFile + "\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void imapStartTlsThenTheServersChain(String provider) {
        ProbeResult r = probe(imapPort, "imap", provider);
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("mail.example.com", Probes.label(r, "vigil_tls_cert_info", "subject_cn"));
        assertEquals(2, Probes.value(r, "vigil_tls_chain_certificates"));
        assertEquals(CertificateFacts.of(leaf.cert()).fingerprintSha256(),
            Probes.label(r, "vigil_tls_cert_info", "fingerprint_sha256"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void pop3StlsThenTheServersChain(String provider) {
        ProbeResult r = probe(pop3Port, "pop3", provider);
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("mail.example.com", Probes.label(r, "vigil_tls_cert_info", "subject_cn"));
        assertEquals(2, Probes.value(r, "vigil_tls_chain_certificates"));
    }

    @Test
    void theWrongDialectIsAProtocolErrorThatQuotesTheGreeting() {
        ProbeResult r = probe(imapPort, "pop3", "boringssl");
        assertFalse(r.success());
        assertEquals("protocol_error", r.reason(), r.message());
        assertTrue(r.message().startsWith("pop3: unexpected greeting \"* OK"), r.message());
    }
}
