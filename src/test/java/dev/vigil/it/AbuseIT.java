package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's endpoint under abuse from loopback: many concurrent scrapes, slow clients holding connections, huge
 * headers and a request flood. Every loop is bounded in count and time; the agent must keep answering and stay small.
 */
class AbuseIT {
    @Test
    void concurrentScrapesSlowClientsHugeHeadersAndAFlood() throws Exception {
        int port = AgentProcess.freePort();
        try (AgentProcess agent = AgentProcess.startWithJvmOptions(List.of("-Xmx64m", "-XX:+UseSerialGC"),
            "--web.listen-address", "127.0.0.1:" + port)) {
            agent.awaitListening();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            URI metrics = URI.create("http://127.0.0.1:" + port + "/metrics");

            // 60 slow clients: each sends half a request line and then nothing
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    slow.add(s);
                }
                // 400 scrapes from 16 threads at once, while the slow clients hold their connections
                ExecutorService pool = Executors.newFixedThreadPool(16);
                List<Future<Long>> scrapes = new ArrayList<>();
                for (int i = 0; i < 400; i++) {
                    scrapes.add(pool.submit(() -> {
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(20))
                            .build(), HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, r.statusCode());
                        assertTrue(r.body().contains("vigil_build_info"));
                        return (System.nanoTime() - t0) / 1_000_000;
                    }));
                }
                long worst = 0;
                for (Future<Long> f : scrapes) {
                    worst = Math.max(worst, f.get(60, TimeUnit.SECONDS));
                }
                pool.shutdown();
                assertTrue(worst < 10_000, "a scrape took " + worst + " ms under load");
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }

            // a 64 KiB header is refused, and the server goes on
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(64 * 1024) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String status = statusLine(s.getInputStream());
                assertTrue(status.isEmpty() || status.contains(" 4"), "huge header answered: " + status);
            } catch (IOException closedByServer) {
                // refusing by closing the connection is fine too
            }

            // a flood of 3000 small requests, bounded in time
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int sent = 0;
            for (; sent < 3000 && System.nanoTime() < end; sent++) {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                    HttpResponse.BodyHandlers.discarding());
            }
            assertEquals(3000, sent, "the flood did not finish within 60 s");
            assertEquals(200, http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode(), "still serving after the abuse");
            long rssKiB = rss(agent.pid());
            assertTrue(rssKiB < 400 * 1024, "RSS after the abuse: " + rssKiB / 1024 + " MiB");
            System.out.println("AbuseIT: RSS after the abuse " + rssKiB / 1024 + " MiB (heap capped at 64 MiB)");
        }
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n' && b.length() < 200) {
            b.append((char) c);
        }
        return b.toString().trim();
    }

    private static long rss(long pid) throws IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
