package dev.vigil.bench;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.vigil.it.AgentProcess;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Valid scrapes next to a flood of wrong passwords (see README, "Benchmark"): the packaged agent with basic
 * authentication (bcrypt cost 10); p50/p99 of 200 valid scrapes idle, then while 48 connections send wrong passwords
 * (half for the real user, half for unknown users) as fast as they are answered.
 */
public final class AuthFloodBenchmark {
    private static final String PASSWORD = "bench-password";

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vigil-auth-bench");
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, PASSWORD.toCharArray());
        Path web = Files.writeString(dir.resolve("web.yml"), "basic_auth_users:\n  prometheus: " + hash + "\n");
        int port = AgentProcess.freePort();
        String url = "http://127.0.0.1:" + port + "/metrics";
        try (AgentProcess agent = AgentProcess.startWithJvmOptions(List.of("-Xmx64m", "-XX:+UseSerialGC"),
            "--web.config.file", web.toString(), "--web.listen-address", "127.0.0.1:" + port)) {
            agent.awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
            HttpClient http = HttpClient.newHttpClient();
            String ok = auth("prometheus", PASSWORD);
            scrapes(http, url, ok, 50); // warm-up, and the password is remembered
            long[] idle = scrapes(http, url, ok, 200);
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong refused = new AtomicLong();
            ExecutorService flood = Executors.newFixedThreadPool(48);
            for (int t = 0; t < 48; t++) {
                int id = t;
                flood.submit(() -> {
                    HttpClient own = HttpClient.newHttpClient();
                    for (int n = 0; !stop.get() && n < 100_000; n++) {
                        String user = n % 2 == 0 ? "prometheus" : "nobody" + id;
                        own.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth(user, "wrong" + n))
                            .build(), HttpResponse.BodyHandlers.discarding());
                        refused.incrementAndGet();
                    }
                    return null;
                });
            }
            long t0 = System.nanoTime();
            long[] flooded = scrapes(http, url, ok, 200);
            double seconds = (System.nanoTime() - t0) / 1e9;
            stop.set(true);
            flood.shutdown();
            System.out.printf("idle:    p50 %.1f ms, p99 %.1f ms%n", idle[0] / 1e6, idle[1] / 1e6);
            System.out.printf("flooded: p50 %.1f ms, p99 %.1f ms (%d wrong passwords answered, %.0f/s)%n",
                flooded[0] / 1e6, flooded[1] / 1e6, refused.get(), refused.get() / seconds);
        }
        System.exit(0);
    }

    private static long[] scrapes(HttpClient http, String url, String authorization, int n) throws Exception {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .build(), HttpResponse.BodyHandlers.ofString());
            nanos.add(System.nanoTime() - t0);
            if (r.statusCode() != 200) {
                throw new IllegalStateException("valid scrape answered " + r.statusCode());
            }
        }
        Collections.sort(nanos);
        return new long[] {nanos.get(n / 2), nanos.get((int) Math.ceil(n * 0.99) - 1)};
    }

    private static String auth(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
