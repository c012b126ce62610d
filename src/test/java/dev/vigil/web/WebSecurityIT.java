package dev.vigil.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's own endpoint behind --web.config.file: TLS with certificate rotation, basic auth with bcrypt, client
 * certificates; refusals counted and logged without secrets. Certificates are made with the real openssl.
 */
class WebSecurityIT {
    private static final String PASSWORD = "s3cret-Pa55-word";
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Tools.Exec e = Tools.exec(java.time.Duration.ofSeconds(60), cmd);
        assertEquals(0, e.code(), String.join(" ", cmd) + ": " + e.output());
    }

    @BeforeEach
    void pki() throws Exception {
        Tools.require("openssl", "openssl");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=test CA",
            "-days", "2", "-keyout", p("ca.key"), "-out", p("ca.crt"));
        server("server-1");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=prometheus",
            "-keyout", p("client.key"), "-out", p("client.csr"));
        openssl("x509", "-req", "-in", p("client.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
            "-days", "2", "-out", p("client.crt"));
        openssl("pkcs12", "-export", "-in", p("client.crt"), "-inkey", p("client.key"), "-passout", "pass:changeit",
            "-out", p("client.p12"));
    }

    /** A server certificate for 127.0.0.1 signed by the test CA, written to server.crt/server.key. */
    private void server(String cn) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=" + cn,
            "-keyout", p("next.key"), "-out", p("server.csr"));
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"), "-CAcreateserial",
            "-days", "2", "-extfile", p("san.ext"), "-out", p("next.crt"));
        // key first, then the certificate: a reader never sees a new certificate with the old key for long
        Files.move(dir.resolve("next.key"), dir.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(dir.resolve("next.crt"), dir.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    private SSLContext tls(boolean clientCert) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(dir.resolve("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (clientCert) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = new FileInputStream(p("client.p12"))) {
                ks.load(in, "changeit".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    private static HttpResponse<String> get(HttpClient http, String url, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private X509Certificate served(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) tls(false).getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void tlsWithBasicAuthRotationAndCountedRefusals() throws Exception {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, PASSWORD.toCharArray());
        Path web = Files.writeString(dir.resolve("web.yml"), """
            tls_server_config:
              cert_file: %s
              key_file: %s
            basic_auth_users:
              prometheus: %s
            """.formatted(p("server.crt"), p("server.key"), hash));
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.start("--web.config.file", web.toString(), "--web.listen-address",
            "127.0.0.1:" + port)) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
            HttpClient http = HttpClient.newBuilder().sslContext(tls(false)).build();
            String url = "https://127.0.0.1:" + port + "/metrics";
            assertEquals(401, get(http, url, null, null).statusCode());
            assertEquals(401, get(http, url, "prometheus", "wrong").statusCode());
            assertEquals(401, get(http, url, "mallory", PASSWORD).statusCode());
            HttpResponse<String> ok = get(http, url, "prometheus", PASSWORD);
            assertEquals(200, ok.statusCode());
            assertTrue(ok.body().contains("vigil_http_auth_failures_total{reason=\"bad_password\"} 1.0"), ok.body());
            assertTrue(ok.body().contains("vigil_http_auth_failures_total{reason=\"missing\"} 1.0"));
            assertTrue(ok.body().contains("vigil_http_auth_failures_total{reason=\"unknown_user\"} 1.0"));
            assertEquals(200, get(http, url, "prometheus", PASSWORD).statusCode(), "the remembered password still works");

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> get(plain, "http://127.0.0.1:" + port + "/metrics", null, null),
                "plain HTTP to the TLS port is refused");

            String afterPlain = get(http, url, "prometheus", PASSWORD).body();
            // the JDK client tries a refused connection again: at least one refusal, counted as plain HTTP
            assertTrue(count(afterPlain, "plain_http") >= 1, afterPlain);

            BigInteger before = served(port).getSerialNumber();
            server("server-2");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (served(port).getSerialNumber().equals(before)) {
                assertTrue(System.nanoTime() < end, "the rotated certificate was never served");
                TimeUnit.MILLISECONDS.sleep(500); // the agent re-reads its certificate every 10 s
            }
            assertEquals("CN=server-2", served(port).getSubjectX500Principal().getName());
            assertEquals(200, get(http, url, "prometheus", PASSWORD).statusCode());

            String log = String.join("\n", agent.log());
            assertTrue(log.contains("reason=bad_password user=prometheus"), log);
            assertFalse(log.contains(PASSWORD) || log.contains("wrong") || log.contains(hash), "a secret reached the log");
            assertFalse(log.contains("PRIVATE KEY"), "key material reached the log");
        }
    }

    @Test
    void clientCertificatesRequiredAndVerified() throws Exception {
        Path web = Files.writeString(dir.resolve("web.yml"), """
            tls_server_config:
              cert_file: %s
              key_file: %s
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: %s
              min_version: TLS12
            """.formatted(p("server.crt"), p("server.key"), p("ca.crt")));
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.start("--web.config.file", web.toString(), "--web.listen-address",
            "127.0.0.1:" + port)) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
            String url = "https://127.0.0.1:" + port + "/healthz";
            HttpClient anonymous = HttpClient.newBuilder().sslContext(tls(false)).build();
            assertThrows(IOException.class, () -> get(anonymous, url, null, null), "no client certificate, no answer");
            HttpClient withCert = HttpClient.newBuilder().sslContext(tls(true)).build();
            assertEquals(200, get(withCert, url, null, null).statusCode());
            String m = get(withCert, "https://127.0.0.1:" + port + "/metrics", null, null).body();
            assertTrue(count(m, "client_certificate") >= 1, m);
        }
    }

    private static double count(String metrics, String reason) {
        java.util.regex.Matcher x = java.util.regex.Pattern.compile(
            "vigil_http_tls_handshake_failures_total\\{reason=\"" + reason + "\"} (\\S+)").matcher(metrics);
        return x.find() ? Double.parseDouble(x.group(1)) : -1;
    }

    @Test
    void aBadWebConfigStopsTheStartWithItsErrors() throws Exception {
        Path web = Files.writeString(dir.resolve("web.yml"), """
            tls_server_config:
              cert_file: %s
              key_file: %s
              client_auth_type: RequireAndVerifyClientCerts
            basic_auth_users:
              prometheus: plaintext-password
            """.formatted(p("server.crt"), p("missing.key")));
        AgentProcess.Result r = AgentProcess.run(Duration.ofSeconds(60), "--web.config.file", web.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.stderr().contains(web + ":3:13: tls_server_config.key_file: file \"" + p("missing.key") + "\" does not exist"),
            r.stderr());
        assertTrue(r.stderr().contains(":4:21: tls_server_config.client_auth_type: \"RequireAndVerifyClientCerts\" is not one of"),
            r.stderr());
        assertTrue(r.stderr().contains(":6:15: basic_auth_users.prometheus: not a bcrypt hash"), r.stderr());
        assertFalse(r.stderr().contains("plaintext-password"), "the bad value is not echoed");
    }
}
