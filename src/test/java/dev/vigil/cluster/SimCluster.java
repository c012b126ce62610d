package dev.vigil.cluster;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.LoggedProcess;
import dev.vigil.it.Tools;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A k3s-like cluster in network namespaces on one bridge of the root namespace ({@value #BRIDGE},
 * {@value #GATEWAY}/24; the test's Prometheus reaches the agents over it): three servers with a real etcd member (mTLS
 * client and peer ports, certificate-free metrics on the node's own 127.0.0.1:2381, data dir where k3s keeps it),
 * real keepalived (one VIP, unicast VRRP between the three, all BACKUP with equal priority and nopreempt), an
 * {@code openssl s_server} "API server" on 6443, and two workers. Every node (servers too, as in k3s) has a
 * kubelet-like TLS port 10250 and the k3s agent certificates; every node runs the packaged agent through the launcher
 * {@code packaging/bin/vigil} with {@code --path.rootfs} at its own k3s-like tree. Each process is started here and
 * stopped by its pid in {@link #close()}, which also deletes the namespaces and the bridge.
 */
final class SimCluster implements AutoCloseable {
    static final String PREFIX = "vgc-";
    static final String BRIDGE = "vgc-br";
    static final String GATEWAY = "10.213.0.1";
    static final String VIP = "10.213.0.100";
    static final int AGENT_PORT = 9108;
    static final String K3S = "var/lib/rancher/k3s/";
    /** k3s' default --etcd-snapshot-schedule-cron is "0 *&#47;12 * * *": every 12 hours at 00:00 and 12:00. */
    static final Duration SNAPSHOT_EVERY = Duration.ofHours(12);

    /** A node: its namespace, address, role, k3s-like root and the processes it runs. */
    static final class Node {
        final String name;
        final String ns;
        final String ip;
        final boolean server;
        final Path root;
        LoggedProcess etcd;
        LoggedProcess keepalived;
        LoggedProcess apiserver;
        LoggedProcess kubelet;
        LoggedProcess agent;
        boolean lost;
        Instant lastTick;

        Node(String name, String ip, boolean server, Path root) {
            this.name = name;
            this.ns = PREFIX + name;
            this.ip = ip;
            this.server = server;
            this.root = root;
        }

        String instance() {
            return ip + ":" + AGENT_PORT;
        }

        Path k3s(String rel) {
            return root.resolve(K3S + rel);
        }

        List<LoggedProcess> processes() {
            List<LoggedProcess> all = new ArrayList<>();
            for (LoggedProcess p : new LoggedProcess[] {agent, keepalived, etcd, apiserver, kubelet}) {
                if (p != null) {
                    all.add(p);
                }
            }
            return all;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    final Path dir;
    final List<Node> nodes = new ArrayList<>();
    private final ClusterPki pki;
    private final String etcd;
    private final String etcdctl;
    private final String keepalived;
    private final String openssl;
    private final Path agentConfig;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> namespaces = new ArrayList<>();
    private boolean bridge;

    SimCluster(Path dir, ClusterPki pki, Path agentConfig) {
        this.dir = dir;
        this.pki = pki;
        this.agentConfig = agentConfig;
        this.etcd = Tools.require("etcd", "etcd-server");
        this.etcdctl = Tools.require("etcdctl", "etcd-client");
        this.keepalived = Tools.require("keepalived", "keepalived");
        this.openssl = Tools.require("openssl", "openssl");
        for (int i = 1; i <= 3; i++) {
            nodes.add(new Node("s" + i, "10.213.0." + (10 + i), true, dir.resolve("s" + i)));
        }
        for (int i = 1; i <= 2; i++) {
            nodes.add(new Node("w" + i, "10.213.0." + (20 + i), false, dir.resolve("w" + i)));
        }
    }

    List<Node> servers() {
        return nodes.stream().filter(n -> n.server).toList();
    }

    Node node(String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    Node byInstance(String instance) {
        return nodes.stream().filter(n -> n.instance().equals(instance)).findFirst().orElse(null);
    }

    // ---------------------------------------------------------------- network

    static String sh(String... cmd) throws Exception {
        Tools.Exec e = Tools.exec(Duration.ofSeconds(60), cmd);
        if (e.code() != 0) {
            throw new AssertionError(String.join(" ", cmd) + ": " + e.output());
        }
        return e.output();
    }

    /**
     * Leftovers of an earlier run of this test that died before its cleanup (its JVM was killed): the namespaces named
     * {@value #PREFIX}*, the processes in them (started by that run) and the bridge.
     */
    static void removeLeftovers() throws Exception {
        for (String line : sh("ip", "netns", "list").split("\n")) {
            String ns = line.trim().split("\\s+")[0];
            if (ns.startsWith(PREFIX)) {
                for (String pid : Tools.exec(Duration.ofSeconds(10), "ip", "netns", "pids", ns).output().split("\\s+")) {
                    if (pid.matches("\\d+")) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                Tools.exec(Duration.ofSeconds(30), "ip", "netns", "del", ns);
            }
        }
        Tools.exec(Duration.ofSeconds(10), "ip", "link", "del", BRIDGE);
    }

    void network() throws Exception {
        removeLeftovers();
        sh("ip", "link", "add", BRIDGE, "type", "bridge");
        bridge = true;
        sh("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
        sh("ip", "link", "set", BRIDGE, "up");
        for (Node n : nodes) {
            plug(n);
        }
    }

    private void plug(Node n) throws Exception {
        sh("ip", "netns", "add", n.ns);
        namespaces.add(n.ns);
        sh("ip", "-n", n.ns, "link", "set", "lo", "up");
        String host = PREFIX + n.name + "h";
        String inner = PREFIX + n.name + "n";
        sh("ip", "link", "add", host, "type", "veth", "peer", "name", inner);
        sh("ip", "link", "set", inner, "netns", n.ns);
        sh("ip", "-n", n.ns, "link", "set", inner, "name", "eth0");
        sh("ip", "-n", n.ns, "addr", "add", n.ip + "/24", "dev", "eth0");
        sh("ip", "-n", n.ns, "link", "set", "eth0", "up");
        sh("ip", "link", "set", host, "master", BRIDGE);
        sh("ip", "link", "set", host, "up");
    }

    /**
     * Cuts {@code n} off from every other node with its link up: both ways between {@code n} and each other node, the
     * neighbour entry of the other's address is pinned to a MAC address nobody has, so the bridge delivers their
     * frames to no one. (Blackhole routes are not enough: keepalived binds its unicast socket to the interface, and a
     * lookup bound to a device skips them; this kernel has no tc classifier or netfilter to drop with.) The root
     * namespace (Prometheus) still reaches every node: a partition between the nodes, not from the monitoring.
     */
    void partition(Node n, boolean cut) throws Exception {
        for (Node o : nodes) {
            if (o != n && !o.lost) {
                neighbour(n, o.ip, cut);
                neighbour(o, n.ip, cut);
            }
        }
    }

    private static void neighbour(Node in, String ip, boolean cut) throws Exception {
        if (cut) {
            sh("ip", "-n", in.ns, "neigh", "replace", ip, "lladdr", "02:00:00:00:de:ad", "nud", "permanent", "dev", "eth0");
        } else {
            sh("ip", "-n", in.ns, "neigh", "del", ip, "dev", "eth0");
        }
    }

    // ---------------------------------------------------------------- files

    /** The k3s-like trees: server TLS files, etcd's certificates, agent certificates, keepalived.conf, /proc. */
    void files() throws Exception {
        pki.ca("server-ca");
        pki.ca("client-ca");
        pki.ca("etcd-server-ca");
        pki.ca("etcd-peer-ca");
        for (Node n : nodes) {
            Files.createDirectories(n.root.resolve("run"));
            Files.createSymbolicLink(n.root.resolve("proc"), Path.of("/proc"));
            Path agent = Files.createDirectories(n.k3s("agent"));
            copy(pki.crt("server-ca"), agent.resolve("server-ca.crt"));
            copy(pki.crt("client-ca"), agent.resolve("client-ca.crt"));
            pki.leaf("client-ca", n.name + "-client-kubelet", "system:node:" + n.name, "", "clientAuth");
            copyPair(n.name + "-client-kubelet", agent, "client-kubelet");
            pki.leaf("server-ca", n.name + "-serving-kubelet", n.name, "DNS:" + n.name + ",IP:" + n.ip, "serverAuth");
            copyPair(n.name + "-serving-kubelet", agent, "serving-kubelet");
            if (!n.server) {
                continue;
            }
            Path tls = Files.createDirectories(n.k3s("server/tls"));
            Path etcdTls = Files.createDirectories(n.k3s("server/tls/etcd"));
            copy(pki.crt("server-ca"), tls.resolve("server-ca.crt"));
            copy(pki.crt("client-ca"), tls.resolve("client-ca.crt"));
            issueApiServer(n, List.of(), 365);
            copy(pki.crt("etcd-server-ca"), etcdTls.resolve("server-ca.crt"));
            copy(pki.crt("etcd-peer-ca"), etcdTls.resolve("peer-ca.crt"));
            pki.leaf("etcd-server-ca", n.name + "-etcd-server-client", "etcd-server",
                "DNS:localhost,DNS:" + n.name + ",IP:127.0.0.1,IP:" + n.ip, "serverAuth,clientAuth");
            copyPair(n.name + "-etcd-server-client", etcdTls, "server-client");
            pki.leaf("etcd-peer-ca", n.name + "-etcd-peer", "etcd-peer",
                "DNS:localhost,DNS:" + n.name + ",IP:127.0.0.1,IP:" + n.ip, "serverAuth,clientAuth");
            copyPair(n.name + "-etcd-peer", etcdTls, "peer-server-client");
            Files.createDirectories(n.k3s("server/db/snapshots"));
            Path data = Files.createDirectories(n.k3s("server/db/etcd"));
            Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Files.createDirectories(n.root.resolve("etc/keepalived"));
            Files.writeString(n.root.resolve("etc/keepalived/keepalived.conf"), keepalivedConf(n));
        }
    }

    /**
     * The API server's serving certificate, signed by the server CA, written where k3s keeps it; {@code prefix} and
     * {@code days} make an old one (faketime).
     */
    void issueApiServer(Node n, List<String> prefix, int days) throws Exception {
        pki.leaf("server-ca", n.name + "-apiserver", "kube-apiserver",
            "DNS:kubernetes.default.svc,DNS:kubernetes,IP:127.0.0.1,IP:" + n.ip, "serverAuth", days, prefix);
        copyPair(n.name + "-apiserver", n.k3s("server/tls"), "serving-kube-apiserver");
    }

    private void copyPair(String from, Path dir, String to) throws IOException {
        copy(pki.crt(from), dir.resolve(to + ".crt"));
        copy(pki.key(from), dir.resolve(to + ".key"));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private String keepalivedConf(Node n) {
        StringBuilder peers = new StringBuilder();
        for (Node o : servers()) {
            if (o != n) {
                peers.append("        ").append(o.ip).append('\n');
            }
        }
        return """
            global_defs {
                router_id %1$s
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 51
                priority 100
                nopreempt
                advert_int 1
                unicast_src_ip %2$s
                unicast_peer {
            %3$s    }
                authentication {
                    auth_type PASS
                    auth_pass vgc-vrrp
                }
                virtual_ipaddress {
                    %4$s/24 dev eth0
                }
            }
            """.formatted(n.ns, n.ip, peers, VIP);
    }

    /**
     * Snapshots like k3s writes them on its default schedule: one real {@code etcdctl snapshot save} of the member,
     * saved under k3s' names {@code etcd-snapshot-<node>-<unixtime>} just after each of the last 5 ticks of
     * {@code 0 *&#47;12 * * *} (UTC here), mtimes to match; the newest two compressed like {@code --etcd-snapshot-compress}
     * does (a zip with the snapshot as its single entry, named without {@code .zip}), as if compression had been turned
     * on a day ago: plain and compressed snapshots side by side, judged alike and not compared by size. {@code aged}: the newest removed and the rest 12 hours older, as if k3s had missed a run.
     */
    void snapshots(Node n, boolean aged) throws Exception {
        Path dirPath = n.k3s("server/db/snapshots");
        Path source = dir.resolve(n.name + "-etcd.snapshot");
        if (!Files.exists(source)) {
            sh(etcdctl, "--endpoints=https://" + n.ip + ":2379", "--dial-timeout=5s", "--command-timeout=20s",
                "--cacert=" + n.k3s("server/tls/etcd/server-ca.crt"), "--cert=" + n.k3s("server/tls/etcd/server-client.crt"),
                "--key=" + n.k3s("server/tls/etcd/server-client.key"), "snapshot", "save", source.toString());
            long now = Instant.now().getEpochSecond();
            n.lastTick = Instant.ofEpochSecond(now - now % SNAPSHOT_EVERY.toSeconds());
        }
        try (Stream<Path> old = Files.list(dirPath)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        for (int k = aged ? 1 : 0; k < 5; k++) {
            Instant tick = n.lastTick.minus(SNAPSHOT_EVERY.multipliedBy(k + (aged ? 1 : 0)));
            // k3s names the file when the job starts and is done a few seconds later
            Instant taken = tick.plusSeconds(3);
            Instant done = tick.plusSeconds(7);
            if (done.isAfter(Instant.now())) {
                done = Instant.now();
            }
            String name = "etcd-snapshot-" + n.name + "-" + taken.getEpochSecond();
            Path file;
            if (k <= 1) {
                file = dirPath.resolve(name + ".zip");
                try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
                    ZipEntry e = new ZipEntry(name);
                    e.setLastModifiedTime(FileTime.from(taken));
                    zip.putNextEntry(e);
                    Files.copy(source, zip);
                    zip.closeEntry();
                }
            } else {
                file = Files.copy(source, dirPath.resolve(name));
            }
            Files.setLastModifiedTime(file, FileTime.from(done));
        }
    }

    // ---------------------------------------------------------------- processes

    private LoggedProcess startIn(Node n, String what, Map<String, String> env, String... cmd) throws IOException {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", n.ns));
        all.addAll(List.of(cmd));
        return LoggedProcess.start(n.name + "/" + what, n.root.getParent().resolve(n.name + "-" + what + ".log"), env, all);
    }

    void startApiServer(Node n) throws IOException {
        n.apiserver = startIn(n, "apiserver", Map.of(), openssl, "s_server", "-quiet", "-accept", "6443",
            "-cert", n.k3s("server/tls/serving-kube-apiserver.crt").toString(),
            "-key", n.k3s("server/tls/serving-kube-apiserver.key").toString());
    }

    void startKubelet(Node n) throws IOException {
        n.kubelet = startIn(n, "kubelet", Map.of(), openssl, "s_server", "-quiet", "-accept", "10250",
            "-cert", n.k3s("agent/serving-kubelet.crt").toString(), "-key", n.k3s("agent/serving-kubelet.key").toString());
    }

    /** The member with k3s' flags: its certificates, data dir, and the metrics listener on 127.0.0.1:2381. */
    void startEtcd(Node n) throws IOException {
        StringJoiner initial = new StringJoiner(",");
        for (Node s : servers()) {
            initial.add(s.name + "=https://" + s.ip + ":2380");
        }
        String tls = n.k3s("server/tls/etcd/").toString() + "/";
        n.etcd = startIn(n, "etcd", Map.of(), etcd, "--name", n.name,
            "--data-dir", n.k3s("server/db/etcd").toString(),
            "--listen-client-urls", "https://127.0.0.1:2379,https://" + n.ip + ":2379",
            "--advertise-client-urls", "https://" + n.ip + ":2379",
            "--listen-peer-urls", "https://" + n.ip + ":2380",
            "--initial-advertise-peer-urls", "https://" + n.ip + ":2380",
            "--listen-metrics-urls", "http://127.0.0.1:2381",
            "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
            "--initial-cluster-token", "vgc",
            // etcd 3.5, which k3s embeds, runs the pre-vote phase by default: a member coming back from a partition
            // does not depose a healthy leader (3.4, Debian's, needs the flag)
            "--pre-vote=true",
            "--cert-file", tls + "server-client.crt", "--key-file", tls + "server-client.key",
            "--trusted-ca-file", tls + "server-ca.crt", "--client-cert-auth",
            "--peer-cert-file", tls + "peer-server-client.crt", "--peer-key-file", tls + "peer-server-client.key",
            "--peer-trusted-ca-file", tls + "peer-ca.crt", "--peer-client-cert-auth",
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn");
    }

    void startKeepalived(Node n) throws IOException {
        Path run = n.root.resolve("run");
        // TMPDIR: where keepalived writes its dumps, the node's own directory instead of the shared /tmp
        n.keepalived = startIn(n, "keepalived", Map.of("TMPDIR", run.toString()), keepalived, "-n", "-l", "-D",
            "-f", n.root.resolve("etc/keepalived/keepalived.conf").toString(),
            "-p", run.resolve("keepalived.pid").toString(), "-r", run.resolve("vrrp.pid").toString(),
            "-c", run.resolve("checkers.pid").toString());
    }

    /** The packaged agent: the build's jar through the launcher, the embedded default (or its faster copy). */
    void startAgent(Node n) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("sh", Path.of("packaging/bin/vigil").toAbsolutePath().toString(),
            "--path.rootfs=" + n.root, "--web.listen-address=" + n.ip + ":" + AGENT_PORT));
        if (agentConfig != null) {
            cmd.add("--config.file=" + agentConfig);
        }
        n.agent = startIn(n, "agent", Map.of("JAVA_HOME", System.getProperty("java.home"),
            "VIGIL_JAR", AgentProcess.jar().toAbsolutePath().toString()), cmd.toArray(String[]::new));
    }

    /** Node lost: every process killed at once (a power loss), then its namespace and link deleted. */
    void lose(Node n) throws Exception {
        for (LoggedProcess p : n.processes()) {
            p.kill();
        }
        n.lost = true;
        sh("ip", "netns", "del", n.ns);
        namespaces.remove(n.ns);
    }

    // ---------------------------------------------------------------- observations

    /** Output of a command in the node's namespace ("" when it fails). */
    String in(Node n, String... cmd) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", n.ns));
        all.addAll(List.of(cmd));
        try {
            Tools.Exec e = Tools.exec(Duration.ofSeconds(10), all.toArray(String[]::new));
            return e.code() == 0 ? e.output() : "";
        } catch (Exception | AssertionError e) {
            return "";
        }
    }

    String etcdMetrics(Node n) {
        return in(n, "curl", "-s", "--max-time", "2", "http://127.0.0.1:2381/metrics");
    }

    boolean etcdHasLeader(Node n) {
        return etcdMetrics(n).contains("\netcd_server_has_leader 1");
    }

    boolean etcdIsLeader(Node n) {
        return etcdMetrics(n).contains("\netcd_server_is_leader 1");
    }

    boolean holdsVip(Node n) {
        return in(n, "ip", "-o", "-4", "addr", "show", "dev", "eth0").contains(" " + VIP + "/");
    }

    List<Node> vipHolders() {
        return servers().stream().filter(n -> !n.lost && holdsVip(n)).toList();
    }

    boolean agentAnswers(Node n) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + n.instance() + "/metrics"))
                .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("vigil_probe_success");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String logs(Node n) {
        return n.processes().stream().map(p -> "--- " + p + "\n" + p.tail(15)).collect(Collectors.joining("\n"));
    }

    @Override
    public void close() throws Exception {
        List<Exception> errors = new ArrayList<>();
        for (Node n : nodes) {
            for (LoggedProcess p : n.processes()) {
                try {
                    p.stop();
                } catch (InterruptedException e) {
                    errors.add(e);
                }
            }
        }
        for (String ns : List.copyOf(namespaces)) {
            Tools.exec(Duration.ofSeconds(30), "ip", "netns", "del", ns);
        }
        if (bridge) {
            Tools.exec(Duration.ofSeconds(10), "ip", "link", "del", BRIDGE);
        }
        if (!errors.isEmpty()) {
            throw errors.get(0);
        }
    }

    static void pause(long millis) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(millis); // the poll interval of a wait bounded by its deadline
    }
}
