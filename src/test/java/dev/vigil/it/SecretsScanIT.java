package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plants secrets wherever the configuration takes them (a bearer token, a PKCS#12 password, private keys, a bcrypt
 * hash and the password behind it) and scans every output of the agent for them: /metrics, the status page, logs at
 * debug level, and the probe and check-config commands.
 */
class SecretsScanIT {
    private static final String TOKEN = "PLANTED-TOKEN-7f3a9c";
    private static final String P12_PASSWORD = "PLANTED-P12-PASS-41d2";
    private static final String WEB_PASSWORD = "PLANTED-WEB-PASS-e81b";
    @TempDir
    Path dir;

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Tools.Exec e = Tools.exec(java.time.Duration.ofSeconds(60), cmd.toArray(new String[0]));
        assertEquals(0, e.code(), e.output());
    }

    @Test
    void noPlantedSecretReachesAnyOutput() throws Exception {
        Tools.require("openssl", "openssl");
        String key = dir.resolve("client.key").toString();
        String crt = dir.resolve("client.crt").toString();
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=vigil-client", "-days", "2",
            "-keyout", key, "-out", crt);
        Path p12Pass = Files.writeString(dir.resolve("p12.pass"), P12_PASSWORD + "\n");
        openssl("pkcs12", "-export", "-in", crt, "-inkey", key, "-passout", "pass:" + P12_PASSWORD,
            "-out", dir.resolve("client.p12").toString());
        Path token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        List<String> keyLines = Files.readAllLines(Path.of(key)).stream().filter(l -> !l.startsWith("-----")).toList();

        AtomicReference<String> seenAuthorization = new AtomicReference<>();
        HttpServer kubelet = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        kubelet.createContext("/", exchange -> {
            seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.sendResponseHeaders(403, -1);
            exchange.close();
        });
        kubelet.start();
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, WEB_PASSWORD.toCharArray());
        Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\n  prometheus: " + hash + "\n");
        Path config = Files.writeString(dir.resolve("vigil.yml"), """
            defaults: {interval: 1s, timeout: 900ms, jitter: 0s}
            cadvisor:
              targets:
                - {target: "http://127.0.0.1:%1$d", name: kubelet, metrics_path: /metrics/cadvisor, bearer_token_file: "%2$s"}
            tls:
              targets:
                - {target: "127.0.0.1:1", name: mtls, client_pkcs12_file: "%3$s", client_pkcs12_password_file: "%4$s"}
                - {target: "127.0.0.1:2", name: mtls-pem, client_cert_file: "%5$s", client_key_file: "%6$s"}
            etcd:
              clusters:
                - {name: etcd, mode: cluster, endpoints: ["https://127.0.0.1:3"], ca_file: "%5$s", cert_file: "%5$s", key_file: "%6$s"}
            """.formatted(kubelet.getAddress().getPort(), token, dir.resolve("client.p12"), p12Pass, crt, key));
        List<String> outputs = new ArrayList<>();
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.start("--config.file", config.toString(), "--web.config.file", web.toString(),
            "--web.listen-address", "127.0.0.1:" + port, "--log.level", "debug")) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
            HttpClient http = HttpClient.newHttpClient();
            String auth = "Basic " + Base64.getEncoder().encodeToString(("prometheus:" + WEB_PASSWORD).getBytes(StandardCharsets.UTF_8));
            String wrong = "Basic " + Base64.getEncoder().encodeToString(("prometheus:" + WEB_PASSWORD + "x").getBytes(StandardCharsets.UTF_8));
            assertEquals(401, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Authorization", wrong).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            String ready = "";
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!ready.startsWith("ready") && System.nanoTime() < end) {
                ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).body();
                TimeUnit.MILLISECONDS.sleep(200); // polling /ready: every target has run once
            }
            for (String path : List.of("/metrics", "/")) {
                outputs.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).body());
            }
            outputs.add(String.join("\n", agent.log()));
        } finally {
            kubelet.stop(0);
        }
        assertEquals("Bearer " + TOKEN, seenAuthorization.get(), "the token is used where it belongs");
        for (String kind : List.of("tls", "cadvisor", "etcd")) {
            AgentProcess.Result r = AgentProcess.run(Duration.ofSeconds(60), "probe", kind, kind.equals("etcd")
                ? "https://127.0.0.1:3" : kind.equals("tls") ? "127.0.0.1:1" : "http://127.0.0.1:1", "--output", "json");
            outputs.add(r.stdout() + r.stderr());
        }
        AgentProcess.Result check = AgentProcess.run(Duration.ofSeconds(60), "check-config", config.toString());
        outputs.add(check.stdout() + check.stderr());

        String all = String.join("\n", outputs);
        assertTrue(all.contains("vigil_probe_success"), "the scan read real output");
        for (String secret : List.of(TOKEN, P12_PASSWORD, WEB_PASSWORD, hash)) {
            assertTrue(!all.contains(secret), "planted secret found in the output: " + secret);
        }
        for (String line : keyLines) {
            assertTrue(!all.contains(line), "a line of the private key found in the output");
        }
    }
}
