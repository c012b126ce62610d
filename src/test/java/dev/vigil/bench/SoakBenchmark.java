package dev.vigil.bench;

import dev.vigil.it.AgentProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A bounded soak: the packaged agent with 500 TCP targets probed every second (half refused, half accepted by a local
 * listener) and a scrape every 100 ms, for {@code -Dvigil.soak.minutes} minutes (default 3); prints the RSS every
 * 15 s. Flat RSS means nothing accumulates per run or per scrape. Run: see README, "Benchmark".
 */
public final class SoakBenchmark {
    static long threads(long pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        int minutes = Integer.getInteger("vigil.soak.minutes", 3);
        Path dir = Files.createTempDirectory("vigil-soak");
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1000, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        listener.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            StringBuilder yaml = new StringBuilder("defaults: {interval: 1s, timeout: 900ms, jitter: 1s}\n"
                + "agent: {max_concurrent_probes: 64}\ntcp:\n  targets:\n");
            for (int i = 0; i < 500; i++) {
                int port = i % 2 == 0 ? 1 : listener.getLocalPort();
                yaml.append("    - {target: \"127.0.0.1:").append(port).append("\", name: t").append(i).append("}\n");
            }
            Path config = Files.writeString(dir.resolve("vigil.yml"), yaml);
            int port = AgentProcess.freePort();
            List<String> jvm = new java.util.ArrayList<>(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
            if (Boolean.getBoolean("vigil.soak.pretouch")) {
                jvm.addAll(List.of("-Xms64m", "-XX:+AlwaysPreTouch")); // the heap resident from the start: growth is not heap
            }
            try (AgentProcess agent = AgentProcess.startWithJvmOptions(jvm, "--config.file", config.toString(),
                "--web.listen-address", "127.0.0.1:" + port, "--log.level", "error")) {
                HttpClient http = HttpClient.newHttpClient();
                HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
                long start = System.nanoTime();
                long nextReport = 0;
                long scrapes = 0;
                while (System.nanoTime() - start < Duration.ofMinutes(minutes).toNanos()) {
                    try {
                        http.send(scrape, HttpResponse.BodyHandlers.discarding());
                        scrapes++;
                    } catch (java.io.IOException notYetListening) {
                        // the agent is still starting
                    }
                    long elapsed = (System.nanoTime() - start) / 1_000_000_000L;
                    if (elapsed >= nextReport) {
                        System.out.printf("t=%4d s  RSS %4d MiB  threads %3d  scrapes %d%n", elapsed,
                            ScrapeBenchmark.rssKiB(agent.pid()) / 1024, threads(agent.pid()), scrapes);
                        nextReport += 15;
                    }
                    Thread.sleep(100); // the scrape cadence of this soak
                }
            } finally {
                Files.deleteIfExists(config);
                Files.deleteIfExists(dir);
            }
        }
        System.exit(0);
    }
}
