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
 * Plants secrets wherever the configuration takes them (a bearer token, a PKCS#12 password, a keystore password,
 * private keys, a bcrypt hash and the password behind it, a password in a URL) and scans every output of the agent
 * for them: /metrics, the status page, logs at debug level, the reload error of POST /-/reload, and the probe (text
 * and JSON) and check-config commands. The error paths are planted too: a token file with two lines, a private key
 * given as a token file, binary content, a token file that disappears after start.
 */
class SecretsScanIT {
    private static final String TOKEN = "PLANTED-TOKEN-7f3a9c";
    private static final String P12_PASSWORD = "PLANTED-P12-PASS-41d2";
    private static final String WEB_PASSWORD = "PLANTED-WEB-PASS-e81b";
    private static final String TOKEN_LINE_1 = "PLANTED-NL-TOKEN-A-19c0";
    private static final String TOKEN_LINE_2 = "PLANTED-NL-TOKEN-B-6d2e";
    private static final String BINARY_MARK = "PLANTED-BINARY-55aa";
    private static final String GONE_TOKEN = "PLANTED-GONE-TOKEN-0b1d";
    private static final String URL_PASSWORD = "PLANTED-URL-PASS-c3f7";
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
        Path twoLines = Files.writeString(dir.resolve("token-two-lines"), TOKEN_LINE_1 + "\n" + TOKEN_LINE_2 + "\n");
        Path binary = Files.write(dir.resolve("token-binary"), ("\u0000\u0001" + BINARY_MARK + "\u0002\n")
            .getBytes(StandardCharsets.UTF_8));
        Path gone = Files.writeString(dir.resolve("token-gone"), GONE_TOKEN + "\n");
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
                - {target: "http://127.0.0.1:%1$d", name: two-lines, bearer_token_file: "%7$s"}
                - {target: "http://127.0.0.1:%1$d", name: key-as-token, bearer_token_file: "%6$s"}
                - {target: "http://127.0.0.1:%1$d", name: binary, bearer_token_file: "%8$s"}
                - {target: "http://127.0.0.1:%1$d", name: gone, bearer_token_file: "%9$s"}
            certfiles:
              targets:
                - {path: "%3$s", name: p12, password_file: "%4$s"}
                - {path: "%3$s", name: p12-key-as-password, password_file: "%6$s"}
            tls:
              targets:
                - {target: "127.0.0.1:1", name: mtls, client_pkcs12_file: "%3$s", client_pkcs12_password_file: "%4$s"}
                - {target: "127.0.0.1:2", name: mtls-pem, client_cert_file: "%5$s", client_key_file: "%6$s"}
            etcd:
              clusters:
                - {name: etcd, mode: cluster, endpoints: ["https://127.0.0.1:3"], ca_file: "%5$s", cert_file: "%5$s", key_file: "%6$s"}
            """.formatted(kubelet.getAddress().getPort(), token, dir.resolve("client.p12"), p12Pass, crt, key, twoLines, binary,
                gone));
        Path urlConfig = Files.writeString(dir.resolve("url.yml"), """
            cadvisor:
              targets:
                - {target: "http://admin:%s@127.0.0.1:1"}
            """.formatted(URL_PASSWORD));
        List<String> outputs = new ArrayList<>();
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.start("--config.file", config.toString(), "--web.config.file", web.toString(),
            "--web.listen-address", "127.0.0.1:" + port, "--log.level", "debug")) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
            Files.delete(gone);
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
            // a reload to a configuration with a password in a URL: refused, and the refusal does not quote it
            Files.copy(urlConfig, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            HttpResponse<String> reload = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/reload"))
                .header("Authorization", auth).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(500, reload.statusCode(), reload.body());
            assertTrue(reload.body().contains("cadvisor.targets[0].target: a URL with user info"), reload.body());
            outputs.add(reload.body());
            String afterReload = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Authorization", auth).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(afterReload.contains("vigil_config_last_reload_successful 0"), "the refused reload is reported");
            outputs.add(afterReload);
            String page = outputs.get(1);
            for (String name : List.of("two-lines", "key-as-token", "binary", "gone")) {
                assertTrue(page.contains(name), "status page lists " + name);
            }
            assertTrue(page.contains("holds more than one line"), "the two-line token file is explained");
            assertTrue(page.contains("PEM block"), "the key given as a token file is explained");
            assertTrue(page.contains("control characters"), "the binary token file is explained");
            assertTrue(page.contains("cannot read (NoSuchFileException)"), "the vanished token file is explained");
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
        String kubeletUrl = "http://127.0.0.1:" + kubelet.getAddress().getPort();
        for (Path bad : List.of(twoLines, Path.of(key), binary)) {
            for (String format : List.of("text", "json")) {
                AgentProcess.Result r = AgentProcess.run(Duration.ofSeconds(60), "probe", "cadvisor", kubeletUrl,
                    "--bearer-token-file", bad.toString(), "--output", format);
                assertTrue(r.stdout().contains("auth_rejected"), r.stdout() + r.stderr());
                outputs.add(r.stdout() + r.stderr());
            }
        }
        AgentProcess.Result withUrl = AgentProcess.run(Duration.ofSeconds(60), "probe", "cadvisor",
            "http://admin:" + URL_PASSWORD + "@127.0.0.1:1");
        assertEquals(2, withUrl.exitCode(), withUrl.stdout() + withUrl.stderr());
        outputs.add(withUrl.stdout() + withUrl.stderr());
        AgentProcess.Result check = AgentProcess.run(Duration.ofSeconds(60), "check-config", config.toString());
        outputs.add(check.stdout() + check.stderr());
        assertEquals(1, check.exitCode(), "the configuration now holds the URL with a password");

        String all = String.join("\n", outputs);
        assertTrue(all.contains("vigil_probe_success"), "the scan read real output");
        for (String secret : List.of(TOKEN, P12_PASSWORD, WEB_PASSWORD, hash, TOKEN_LINE_1, TOKEN_LINE_2, BINARY_MARK,
            GONE_TOKEN, URL_PASSWORD)) {
            assertTrue(!all.contains(secret), "planted secret found in the output: " + secret);
        }
        for (String line : keyLines) {
            assertTrue(!all.contains(line), "a line of the private key found in the output");
        }
    }
}
