package dev.vigil.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The footprint table of issue 16, every row for the packaged launcher (its JVM flags, its AppCDS archive when the
 * build made one), against a local TLS farm of {@code openssl s_server} processes (see README of this package):
 * <ol>
 *   <li>process start to the first 200 of {@code /metrics}, embedded default configuration; its RSS 20 s later;</li>
 *   <li>the same with 2000 TLS targets configured (every 5 s); then, scraped 10 times a second while it probes
 *   400 targets/s: scrape p50/p99 and the RSS (peak and at the end);</li>
 *   <li>2000 TLS targets probed once then idle (interval 1h): p50/p99 of one scrape (text 0.0.4, no gzip).</li>
 * </ol>
 * Properties: {@code vigil.bench.launcher} (default {@code packaging/bin/vigil}), {@code vigil.bench.jar} (default
 * {@code target/vigil.jar}), {@code vigil.bench.targets} (2000), {@code vigil.bench.load_seconds} (40).
 */
public final class FootprintBenchmark {
    private static final Path LAUNCHER = Path.of(System.getProperty("vigil.bench.launcher", "packaging/bin/vigil"));
    private static final Path JAR = Path.of(System.getProperty("vigil.bench.jar", "target/vigil.jar"));
    private static final int TARGETS = Integer.getInteger("vigil.bench.targets", 2000);
    private static final int LOAD_SECONDS = Integer.getInteger("vigil.bench.load_seconds", 40);
    private static final int FARM = 6;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vigil-footprint");
        List<Process> farm = new ArrayList<>();
        try {
            List<Integer> ports = farm(dir, farm);
            Path busy = config(dir, "busy.yml", ports, "5s", "5s");
            Path idle = config(dir, "idle.yml", ports, "1h", "4s");
            System.out.printf("vigil footprint: launcher %s, jar %s, %d TLS targets on %d s_server, %d cores%n",
                LAUNCHER, JAR, TARGETS, FARM, Runtime.getRuntime().availableProcessors());

            warmPoll();
            double startDefault;
            long rssIdle;
            try (Agent a = Agent.start()) {
                startDefault = a.awaitFirstMetrics();
                Thread.sleep(Math.max(0, 20_000 - a.sinceStartMillis()));
                rssIdle = a.rssKiB();
            }
            double startTargets;
            double[] busyScrape;
            long rssBusyEnd;
            long rssBusyPeak = 0;
            try (Agent a = Agent.start("--config.file", busy.toString())) {
                startTargets = a.awaitFirstMetrics();
                a.awaitReady();
                // the first round spreads over the 5 s jitter; then 400 probes/s. Scrape 10 times a second.
                List<Long> ns = new ArrayList<>();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(LOAD_SECONDS);
                long next = System.nanoTime();
                int i = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    a.scrape("text/plain", false);
                    ns.add(System.nanoTime() - t0);
                    if (++i % 10 == 0) {
                        rssBusyPeak = Math.max(rssBusyPeak, a.rssKiB());
                    }
                    next += 100_000_000L;
                    long sleep = next - System.nanoTime();
                    if (sleep > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleep);
                    }
                }
                busyScrape = percentiles(ns);
                rssBusyEnd = a.rssKiB();
                rssBusyPeak = Math.max(rssBusyPeak, rssBusyEnd);
            }
            double[] idleScrape;
            double[] idleOmGzip;
            int bytes;
            long series;
            try (Agent a = Agent.start("--config.file", idle.toString())) {
                a.awaitFirstMetrics();
                a.awaitReady();
                String body = new String(a.scrape("text/plain", false), StandardCharsets.UTF_8);
                bytes = body.length();
                series = body.lines().filter(l -> !l.startsWith("#")).count();
                for (int i = 0; i < 100; i++) {
                    a.scrape("text/plain", false);
                }
                List<Long> ns = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    long t0 = System.nanoTime();
                    a.scrape("text/plain", false);
                    ns.add(System.nanoTime() - t0);
                }
                idleScrape = percentiles(ns);
                ns.clear();
                for (int i = 0; i < 100; i++) {
                    long t0 = System.nanoTime();
                    a.scrape("application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", true);
                    ns.add(System.nanoTime() - t0);
                }
                idleOmGzip = percentiles(ns);
            }
            System.out.printf("| start to first /metrics, embedded default | %.2f s |%n", startDefault);
            System.out.printf("| start to first /metrics, %d TLS targets | %.2f s |%n", TARGETS, startTargets);
            System.out.printf("| RSS idle, embedded default (20 s after start) | %d MiB |%n", rssIdle / 1024);
            System.out.printf("| RSS, %d TLS targets every 5 s, scraped 10/s for %d s (end / peak) | %d / %d MiB |%n",
                TARGETS, LOAD_SECONDS, rssBusyEnd / 1024, rssBusyPeak / 1024);
            System.out.printf("| one scrape, %d series (%d KiB text), idle: p50 / p99 | %.1f / %.1f ms |%n", series,
                bytes / 1024, idleScrape[0], idleScrape[1]);
            System.out.printf("| same, OpenMetrics + gzip (what Prometheus asks), idle: p50 / p99 | %.1f / %.1f ms |%n",
                idleOmGzip[0], idleOmGzip[1]);
            System.out.printf("| same, text, while probing %d targets/s, scraped 10/s: p50 / p99 | %.1f / %.1f ms |%n",
                TARGETS / 5, busyScrape[0], busyScrape[1]);
        } finally {
            for (Process p : farm) {
                p.destroy();
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        System.exit(0);
    }

    private static double[] percentiles(List<Long> ns) {
        long[] a = ns.stream().mapToLong(Long::longValue).sorted().toArray();
        return new double[] {a[a.length / 2] / 1e6, a[Math.min(a.length - 1, (int) Math.ceil(a.length * 0.99) - 1)] / 1e6};
    }

    private static Path config(Path dir, String file, List<Integer> ports, String interval, String jitter) throws IOException {
        StringBuilder yaml = new StringBuilder("agent:\n  max_concurrent_probes: 32\ntls:\n  interval: " + interval
            + "\n  timeout: 5s\n  jitter: " + jitter + "\n  defaults:\n    ca_file: " + dir.resolve("ca.pem")
            + "\n    server_name: localhost\n  targets:\n");
        for (int i = 0; i < TARGETS; i++) {
            yaml.append("    - target: 127.0.0.1:").append(ports.get(i % ports.size())).append("\n      name: t")
                .append(i).append('\n');
        }
        return Files.writeString(dir.resolve(file), yaml);
    }

    /** A CA, an ECDSA P-256 leaf for localhost, and FARM s_server processes serving it. */
    private static List<Integer> farm(Path dir, List<Process> farm) throws Exception {
        run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=vigil bench CA");
        run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("ext.cnf"), "subjectAltName=DNS:localhost\n");
        run(dir, "openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "leaf.pem", "-days", "30", "-extfile", "ext.cnf");
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < FARM; i++) {
            int port = freePort();
            Process p = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", "leaf.pem",
                "-key", "leaf.key", "-www", "-no_dhe", "-num_tickets", "0").directory(dir.toFile())
                .redirectErrorStream(true).start();
            farm.add(p);
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread drain = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("ACCEPT")) {
                            ready.complete(null);
                        }
                    }
                } catch (IOException e) {
                    // gone
                }
                ready.completeExceptionally(new IOException("s_server exited"));
            });
            drain.setDaemon(true);
            drain.start();
            ready.get(20, TimeUnit.SECONDS);
            ports.add(port);
        }
        return ports;
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", cmd));
        }
    }

    /** One {@code GET /metrics} on a new connection: true when the answer's status is 200, false when none came. */
    static boolean firstLineIs200(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
            byte[] status = s.getInputStream().readNBytes(12);
            s.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return new String(status, StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The poll's own code run once before the agent starts, so that the first figure does not pay for it. */
    private static void warmPoll() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread answer = new Thread(() -> {
                try (java.net.Socket c = s.accept()) {
                    c.getInputStream().read(new byte[1024]);
                    c.getOutputStream().write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the poll says so
                }
            });
            answer.start();
            if (!firstLineIs200(s.getLocalPort())) {
                throw new IllegalStateException("the poll does not work against a plain server");
            }
        }
        firstLineIs200(freePort()); // and its refused path
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The agent started through the packaged launcher, as systemd and the image start it. */
    private static final class Agent implements AutoCloseable {
        private final Process process;
        private final long startedAt;
        private final int port;

        private Agent(Process process, long startedAt, int port) {
            this.process = process;
            this.startedAt = startedAt;
            this.port = port;
        }

        static Agent start(String... args) throws IOException {
            int port = freePort();
            List<String> cmd = new ArrayList<>(List.of("sh", LAUNCHER.toString(), "--web.listen-address",
                "127.0.0.1:" + port, "--log.level", "error"));
            cmd.addAll(Arrays.asList(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("VIGIL_JAR", JAR.toAbsolutePath().toString());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            long t0 = System.nanoTime();
            return new Agent(pb.start(), t0, port);
        }

        long sinceStartMillis() {
            return (System.nanoTime() - startedAt) / 1_000_000;
        }

        /**
         * Seconds from the process start to the first 200 of /metrics, polled every 5 ms the way curl or Prometheus
         * would ask: a plain socket and one GET. The rounds before the fourth polled with the JDK's HttpClient, whose
         * first requests in this JVM (its classes, its selector thread) ran on the same two cores as the agent's start
         * and added 0.1-0.2 s to the figure (README of this package, fourth round).
         */
        double awaitFirstMetrics() throws Exception {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("agent exited " + process.exitValue());
                }
                if (firstLineIs200(port)) {
                    return (System.nanoTime() - startedAt) / 1e9;
                }
                if (sinceStartMillis() > 60_000) {
                    throw new IllegalStateException("no /metrics within 60 s");
                }
                Thread.sleep(5);
            }
        }

        void awaitReady() throws Exception {
            HttpRequest req = HttpRequest.newBuilder(uri("/ready")).build();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.nanoTime() < deadline) {
                if (HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("not ready within 3 minutes");
        }

        byte[] scrape(String accept, boolean gzip) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri("/metrics")).header("Accept", accept);
            if (gzip) {
                b.header("Accept-Encoding", "gzip");
            }
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("scrape: " + r.statusCode());
            }
            return r.body();
        }

        long rssKiB() throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            throw new IllegalStateException("no VmRSS");
        }

        private URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
