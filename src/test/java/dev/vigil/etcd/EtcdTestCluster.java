package dev.vigil.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd cluster of {@code size} members on loopback, on free ports, with TLS and client-certificate auth on
 * the client and peer ports and a plain-HTTP metrics listener per member ({@code --listen-metrics-urls}). Each member
 * is its own process, stopped by its pid; {@link #close()} stops every one that still runs.
 */
final class EtcdTestCluster implements AutoCloseable {
    final int size;
    private final String etcd;
    private final Path dir;
    private final TestPki pki;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final int[] metricsPorts;
    private final Process[] members;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> extraFlags = new ArrayList<>();
    private Path dataRoot;

    /**
     * {@code founders} members form the cluster; ports are reserved for {@code size} in all, the others join later
     * (after a {@code member add}) with {@code --initial-cluster-state existing}.
     */
    private final int founders;

    EtcdTestCluster(String etcd, Path dir, TestPki pki, int size) throws IOException {
        this(etcd, dir, pki, size, size);
    }

    EtcdTestCluster(String etcd, Path dir, TestPki pki, int founders, int size) throws IOException {
        this.founders = founders;
        this.etcd = etcd;
        this.dir = dir;
        this.pki = pki;
        this.size = size;
        clientPorts = new int[size];
        peerPorts = new int[size];
        metricsPorts = new int[size];
        members = new Process[size];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                clientPorts[i] = hold(held);
                peerPorts[i] = hold(held);
                metricsPorts[i] = hold(held);
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static int hold(List<ServerSocket> held) throws IOException {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        return s.getLocalPort();
    }

    /** Flags added to every member's command line from the next start on (e.g. a tiny backend quota). */
    EtcdTestCluster withFlags(String... flags) {
        extraFlags.addAll(List.of(flags));
        return this;
    }

    /** Puts the members' data directories under {@code root} (e.g. a slowed device) instead of the test directory. */
    EtcdTestCluster withDataRoot(Path root) {
        dataRoot = root;
        return this;
    }

    /** The pid of member {@code i}'s process (it must be running). */
    long pid(int i) {
        return members[i].pid();
    }

    String name(int i) {
        return "m" + (i + 1);
    }

    URI clientUrl(int i) {
        return URI.create("https://127.0.0.1:" + clientPorts[i]);
    }

    URI metricsUrl(int i) {
        return URI.create("http://127.0.0.1:" + metricsPorts[i]);
    }

    Path log(int i) {
        return dir.resolve(name(i) + ".log");
    }

    URI peerUrl(int i) {
        return URI.create("https://127.0.0.1:" + peerPorts[i]);
    }

    void startAll() throws IOException {
        for (int i = 0; i < founders; i++) {
            start(i);
        }
    }

    void start(int i) throws IOException {
        StringJoiner initial = new StringJoiner(",");
        for (int j = 0; j < Math.max(founders, i + 1); j++) {
            initial.add(name(j) + "=https://127.0.0.1:" + peerPorts[j]);
        }
        String crt = pki.dir.resolve("server.crt").toString();
        String key = pki.dir.resolve("server.key").toString();
        String ca = pki.caCert("ca").toString();
        List<String> cmd = new ArrayList<>(List.of(etcd, "--name", name(i), "--data-dir",
            (dataRoot != null ? dataRoot : dir).resolve(name(i)).toString(),
            "--listen-client-urls", clientUrl(i).toString(), "--advertise-client-urls", clientUrl(i).toString(),
            "--listen-peer-urls", "https://127.0.0.1:" + peerPorts[i],
            "--initial-advertise-peer-urls", "https://127.0.0.1:" + peerPorts[i],
            "--listen-metrics-urls", metricsUrl(i).toString(),
            "--initial-cluster", initial.toString(), "--initial-cluster-state", i < founders ? "new" : "existing",
            "--initial-cluster-token", "vigil-it",
            "--cert-file", crt, "--key-file", key, "--trusted-ca-file", ca, "--client-cert-auth",
            "--peer-cert-file", crt, "--peer-key-file", key, "--peer-trusted-ca-file", ca, "--peer-client-cert-auth",
            "--heartbeat-interval", "50", "--election-timeout", "500",
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn"));
        cmd.addAll(extraFlags);
        members[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start();
    }

    /** SIGKILL, as a crash or a power loss would; waits until the process is gone. */
    void kill(int i) throws InterruptedException {
        Process p = members[i];
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            members[i] = null;
        }
    }

    boolean running(int i) {
        return members[i] != null && members[i].isAlive();
    }

    /** Waits until every running member's metrics listener says it has a leader. */
    void awaitLeader(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            boolean all = true;
            for (int i = 0; i < size; i++) {
                if (!running(i)) {
                    continue;
                }
                try {
                    String page = http.send(HttpRequest.newBuilder(metricsUrl(i).resolve("/metrics"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
                    all &= page.contains("\netcd_server_has_leader 1");
                } catch (IOException e) {
                    all = false;
                    last = name(i) + ": " + e;
                }
            }
            if (all) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(50); // poll interval, not a synchronisation: the condition decides
        }
        throw new AssertionError("etcd cluster has no leader after " + timeout + " (" + last + "); logs:\n" + logs());
    }

    String logs() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < size; i++) {
            try {
                List<String> lines = Files.readAllLines(log(i));
                b.append("--- ").append(name(i)).append('\n')
                    .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()))).append('\n');
            } catch (IOException e) {
                b.append("--- ").append(name(i)).append(": no log\n");
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < size; i++) {
            Process p = members[i];
            if (p != null) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
                members[i] = null;
            }
        }
    }
}
