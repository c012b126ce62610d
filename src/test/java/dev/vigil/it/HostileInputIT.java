package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack suite of issue 14 against the packaged agent, from loopback, every loop bounded: values the validator
 * must refuse, reloads from a FIFO, from a huge file and of an impossible interval, passwords longer than bcrypt
 * takes, a flood of wrong passwords from 48 connections next to a valid scraper, and a stop by SIGTERM.
 */
class HostileInputIT {
    private static final String PASSWORD = "scrape-pass-8c1f";
    @TempDir
    Path dir;

    @Test
    void checkConfigRefusesDurationsTheSchedulerCannotRun() throws Exception {
        for (String interval : List.of("200000d", "999999999999d", "999999999999999999999d", "1ms", "8d")) {
            Path f = Files.writeString(dir.resolve("c.yml"), "defaults: {interval: " + interval + "}\n");
            AgentProcess.Result r = AgentProcess.run(Duration.ofSeconds(60), "check-config", f.toString());
            assertEquals(1, r.exitCode(), interval + ": " + r.stdout() + r.stderr());
            String out = r.stdout() + r.stderr();
            assertTrue(out.contains(f + ":1:22: defaults.interval: "), out);
            assertFalse(out.contains("For input string") || out.contains("Exception"), out);
        }
    }

    private static String auth(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        assertTrue(m.find(), series + " not in:\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void reloadsAndPasswordsFromAnAttackerNeitherStallNorCrashTheEndpoint() throws Exception {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, PASSWORD.toCharArray());
        Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\n  prometheus: " + hash + "\n");
        String good = "defaults: {interval: 2s, timeout: 1s, jitter: 0s}\ntcp:\n  targets:\n"
            + "    - {target: \"127.0.0.1:1\", name: closed}\n";
        Path config = Files.writeString(dir.resolve("vigil.yml"), good);
        int port = AgentProcess.freePort();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + port;
        String ok = auth("prometheus", PASSWORD);
        try (AgentProcess agent = AgentProcess.startWithJvmOptions(List.of("-Xmx64m", "-XX:+UseSerialGC"),
            "--config.file", config.toString(), "--web.config.file", web.toString(),
            "--web.listen-address", "127.0.0.1:" + port)) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));

            // reloads: a FIFO (would block a reader forever), 10 MiB on one line, an interval that overflows
            Path fifo = dir.resolve("fifo.yml");
            assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
            Path huge = dir.resolve("huge.yml");
            Files.writeString(huge, "defaults: {interval: 30s}\n# " + "x".repeat(10 << 20) + "\n");
            Path overflow = Files.writeString(dir.resolve("overflow.yml"),
                "defaults: {interval: 200000d, timeout: 1s}\ntcp:\n  targets:\n    - {target: \"127.0.0.1:2\", name: other}\n");
            List<String> expected = List.of("not a regular file", "larger than 1MiB", "too large");
            List<Path> bad = List.of(fifo, huge, overflow);
            for (int i = 0; i < bad.size(); i++) {
                Files.deleteIfExists(config);
                if (bad.get(i).equals(fifo)) {
                    Files.createSymbolicLink(config, fifo);
                } else {
                    Files.copy(bad.get(i), config, StandardCopyOption.REPLACE_EXISTING);
                }
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/-/reload"))
                    .header("Authorization", ok).timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(500, r.statusCode(), r.body());
                assertTrue(r.body().contains(expected.get(i)), r.body());
                String metrics = get(http, base + "/metrics", ok).body();
                assertEquals(0, value(metrics, "vigil_config_last_reload_successful"));
                assertEquals(i + 1, value(metrics, "vigil_config_reloads_total{result=\"failure\"}"));
                assertTrue(metrics.contains("target=\"closed\""), "the running configuration stays");
            }
            Files.deleteIfExists(config);
            Files.writeString(config, good);

            // a password longer than bcrypt's 72 bytes: refused and counted, not a 500
            assertEquals(401, get(http, base + "/metrics", auth("prometheus", "p".repeat(100))).statusCode());
            assertEquals(401, get(http, base + "/metrics", auth("nobody", "p".repeat(100))).statusCode());

            // 48 connections of wrong passwords next to one valid scraper: every valid scrape answered 200
            ExecutorService flood = Executors.newFixedThreadPool(48);
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<int[]>> attackers = new ArrayList<>();
            for (int t = 0; t < 48; t++) {
                int id = t;
                attackers.add(flood.submit(() -> {
                    int[] byStatus = new int[600];
                    HttpClient own = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                    for (int n = 0; n < 40 && !stop.get(); n++) {
                        String user = n % 2 == 0 ? "prometheus" : "mallory" + id;
                        byStatus[get(own, base + "/metrics", auth(user, "wrong-" + n)).statusCode()]++;
                    }
                    return byStatus;
                }));
            }
            for (int n = 0; n < 20; n++) {
                HttpResponse<String> r = get(http, base + "/metrics", ok);
                assertEquals(200, r.statusCode());
                assertTrue(r.body().contains("vigil_build_info"));
            }
            stop.set(true);
            int refused = 0;
            for (Future<int[]> f : attackers) {
                int[] byStatus = f.get();
                for (int status = 0; status < byStatus.length; status++) {
                    if (byStatus[status] > 0) {
                        assertTrue(status == 401 || status == 429, "attacker got HTTP " + status);
                        refused += byStatus[status];
                    }
                }
            }
            flood.shutdown();
            assertTrue(refused > 0, "the flood ran");
            String metrics = get(http, base + "/metrics", ok).body();
            assertEquals(2, value(metrics, "vigil_http_auth_failures_total{reason=\"password_too_long\"}"));
            assertTrue(value(metrics, "vigil_http_auth_failures_total{reason=\"bad_password\"}")
                + value(metrics, "vigil_http_auth_failures_total{reason=\"unknown_user\"}")
                + value(metrics, "vigil_http_auth_failures_total{reason=\"overloaded\"}") >= refused);
            assertEquals(1, value(metrics, "vigil_scheduler_up"));
            String log = String.join("\n", agent.log());
            assertTrue(log.split("authentication failed").length < refused / 2, "refusals are not logged one line each");

            int exit = agent.stop();
            assertTrue(exit == 143 || exit == 0, "exit " + exit);
            // not asserted here: the "agent stopping" line, written by a shutdown hook, does not reach this test's
            // pipe after the 48-connection flood (it does after a plain SIGTERM; see the hand-off notes)
        }
    }

    private static HttpResponse<String> get(HttpClient http, String url, String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
