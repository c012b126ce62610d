package dev.vigil.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in network namespaces on a bridge (10.99.0.0/24, a test subnet that exists only inside the namespaces),
 * real keepalived 2.2.7 in each in the production pattern (all BACKUP, equal priority, nopreempt, unicast), and the
 * packaged agent in each namespace: one holder, takeover after a keepalived stops, split brain when the holder is
 * partitioned with its link up, reachability of the VIP port. Needs root (namespaces) and the keepalived and iproute2 packages.
 */
class KeepalivedNetnsIT {
    private static final String VIP = "10.99.0.100";
    private static final Pattern HELD = Pattern.compile("vigil_vip_held\\{interface=\"[^\"]*\",vip=\"10\\.99\\.0\\.100\",vrrp_instance=\"VI_1\"} (\\S+)");
    @TempDir
    Path dir;
    private final String id = Long.toString(ProcessHandle.current().pid() % 100000, 36);
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Process[] keepalived = new Process[4];

    private String ns(int i) {
        return "vk" + id + (i == 0 ? "sw" : "n" + i);
    }

    private static String sh(String... cmd) throws Exception {
        Tools.Exec e = Tools.exec(java.time.Duration.ofSeconds(60), cmd);
        assertEquals(0, e.code(), String.join(" ", cmd) + ": " + e.output());
        return e.output();
    }

    private Process start(Path log, String... cmd) throws IOException {
        return start(log, Map.of(), cmd);
    }

    private Process start(Path log, Map<String, String> env, String... cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    @BeforeEach
    void network() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
            "network namespaces need root; CI runs as root, so there this test runs");
        Tools.require("keepalived", "keepalived");
        Tools.require("ip", "iproute2");
        Tools.require("curl", "curl");
        Tools.require("openssl", "openssl");
        Tools.require("dbus-daemon", "dbus");
        Tools.require("busctl", "systemd");
        for (int i = 0; i <= 3; i++) {
            sh("ip", "netns", "add", ns(i));
            namespaces.add(ns(i));
            sh("ip", "-n", ns(i), "link", "set", "lo", "up");
        }
        sh("ip", "-n", ns(0), "link", "add", "br0", "type", "bridge");
        sh("ip", "-n", ns(0), "link", "set", "br0", "up");
        for (int i = 1; i <= 3; i++) {
            String a = "vk" + id + "a" + i;
            String b = "vk" + id + "b" + i;
            sh("ip", "link", "add", a, "type", "veth", "peer", "name", b);
            sh("ip", "link", "set", a, "netns", ns(i));
            sh("ip", "-n", ns(i), "link", "set", a, "name", "eth0");
            sh("ip", "-n", ns(i), "addr", "add", "10.99.0." + i + "/24", "dev", "eth0");
            sh("ip", "-n", ns(i), "link", "set", "eth0", "up");
            sh("ip", "link", "set", b, "netns", ns(0));
            sh("ip", "-n", ns(0), "link", "set", b, "master", "br0");
            sh("ip", "-n", ns(0), "link", "set", b, "up");
        }
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=vip", "-days", "1",
            "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
    }

    @AfterEach
    void teardown() throws Exception {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (String n : namespaces) {
            new ProcessBuilder("ip", "netns", "del", n).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Each node's own system bus: a dbus-daemon on a socket of the node's directory. */
    private Map<String, String> bus(int i) {
        // TMPDIR: where keepalived writes its dumps, one directory per node instead of the shared /tmp
        return Map.of("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + dir.resolve("n" + i).resolve("bus"),
            "TMPDIR", dir.resolve("n" + i).toString());
    }

    private void startBus(int i) throws Exception {
        Path node = Files.createDirectories(dir.resolve("n" + i));
        Files.writeString(node.resolve("bus.conf"), """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path=%s</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """.formatted(node.resolve("bus")));
        start(node.resolve("dbus.log"), "dbus-daemon", "--config-file=" + node.resolve("bus.conf"), "--nofork");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(node.resolve("bus"))) {
            assertTrue(System.nanoTime() < end, "dbus-daemon did not create its socket");
            TimeUnit.MILLISECONDS.sleep(50); // waiting for the socket dbus-daemon creates once it listens
        }
    }

    private void startKeepalived(int i) throws Exception {
        Path node = Files.createDirectories(dir.resolve("n" + i));
        StringBuilder peers = new StringBuilder();
        for (int j = 1; j <= 3; j++) {
            if (j != i) {
                peers.append("        10.99.0.").append(j).append('\n');
            }
        }
        Files.writeString(node.resolve("keepalived.conf"), """
            global_defs {
                router_id vigil-n%1$d
                vrrp_notify_fifo %2$s/vrrp.fifo
                enable_dbus
            }
            vrrp_instance VI_1 {
                state BACKUP
                interface eth0
                virtual_router_id 50
                priority 50
                nopreempt
                advert_int 1
                unicast_src_ip 10.99.0.%1$d
                unicast_peer {
            %3$s    }
                authentication {
                    auth_type PASS
                    auth_pass vigil-ka
                }
                virtual_ipaddress {
                    10.99.0.100/24 dev eth0
                }
            }
            """.formatted(i, node, peers));
        keepalived[i] = start(node.resolve("keepalived.log"), bus(i), "ip", "netns", "exec", ns(i), "keepalived", "-n", "-l", "-D",
            "-f", node.resolve("keepalived.conf").toString(), "-p", node.resolve("keepalived.pid").toString(),
            "-r", node.resolve("vrrp.pid").toString(), "-c", node.resolve("checkers.pid").toString());
    }

    private void startAgent(int i) throws Exception {
        Path node = dir.resolve("n" + i);
        Files.writeString(node.resolve("vigil.yml"), """
            defaults: {interval: 1s, timeout: 900ms, jitter: 0s}
            keepalived:
              interval: 1s
              timeout: 900ms
              config_file: %1$s/keepalived.conf
              pid_file: %1$s/keepalived.pid
              notify_fifo: %1$s/vrrp.fifo
              json_dump: true
              json_file: %1$s/keepalived.json
              json_min_interval: 1s
              vips:
                - {address: 10.99.0.100, check_port: 6443, check_tls: true}
            """.formatted(node));
        start(node.resolve("vigil.log"), bus(i), "ip", "netns", "exec", ns(i), AgentProcess.javaBinary(), "-Xmx64m",
            "-XX:+UseSerialGC", "-jar", AgentProcess.jar().toString(), "--config.file", node.resolve("vigil.yml").toString(),
            "--web.listen-address", "127.0.0.1:9847");
    }

    private String metrics(int i) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", ns(i), "curl", "-s", "--max-time", "2",
                "http://127.0.0.1:9847/metrics").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            return "";
        }
    }

    /** vip_held per node as the three agents report it now; -1 where an agent does not answer yet. */
    private Map<Integer, Integer> holders() {
        Map<Integer, Integer> out = new TreeMap<>();
        for (int i = 1; i <= 3; i++) {
            Matcher m = HELD.matcher(metrics(i));
            out.put(i, m.find() ? (int) Double.parseDouble(m.group(1)) : -1);
        }
        return out;
    }

    /** Polls the agents (the only view of their state) until {@code ok} holds. */
    private Map<Integer, Integer> awaitHolders(Predicate<Map<Integer, Integer>> ok, int seconds, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Map<Integer, Integer> h = holders();
        while (!ok.test(h)) {
            if (System.nanoTime() > end) {
                StringBuilder logs = new StringBuilder();
                for (int i = 1; i <= 3; i++) {
                    List<String> lines = Files.readAllLines(dir.resolve("n" + i + "/vigil.log"));
                    logs.append("\nagent ").append(i).append(":\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
                }
                throw new AssertionError(what + " not reached in " + seconds + " s; holders " + h + logs);
            }
            TimeUnit.MILLISECONDS.sleep(250);
            h = holders();
        }
        return h;
    }

    private String awaitMetrics(int node, Predicate<String> ok, int seconds, String what) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String m = metrics(node);
        while (!ok.test(m)) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " not reached in " + seconds + " s:\n" + m + "\nagent log:\n"
                    + Files.readString(dir.resolve("n" + node + "/vigil.log")));
            }
            TimeUnit.MILLISECONDS.sleep(250);
            m = metrics(node);
        }
        return m;
    }

    private static double transitions(String metrics) {
        Matcher m = Pattern.compile("vigil_vip_transitions_total\\{vip=\"10\\.99\\.0\\.100\"} (\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static int holder(Map<Integer, Integer> h) {
        return h.entrySet().stream().filter(e -> e.getValue() == 1).findFirst().orElseThrow().getKey();
    }

    private static long count(Map<Integer, Integer> h) {
        return h.values().stream().filter(v -> v == 1).count();
    }

    @Test
    void oneHolderTakeoverOnStopAndSplitBrainOnAPartition() throws Exception {
        for (int i = 1; i <= 3; i++) {
            startBus(i);
            startKeepalived(i);
            startAgent(i);
        }
        Map<Integer, Integer> h = awaitHolders(x -> !x.containsValue(-1) && count(x) == 1, 60, "exactly one holder");
        int first = holder(h);
        String m = metrics(first);
        assertTrue(m.contains("vigil_keepalived_up{target=\"keepalived\"} 1.0"), m);
        assertTrue(m.contains("vigil_keepalived_vrrp_state{interface=\"eth0\",source=\"fifo\",vrid=\"50\",vrrp_instance=\"VI_1\"} 2.0"), m);
        m = awaitMetrics(first, x -> x.contains("source=\"dbus\",vrid=\"50\",vrrp_instance=\"VI_1\"} 2.0"), 15, "MASTER read over DBus");
        m = awaitMetrics(first, x -> x.contains("source=\"json\",vrid=\"50\",vrrp_instance=\"VI_1\"} 2.0"), 15, "MASTER read from the JSON dump");
        assertTrue(Files.readString(dir.resolve("n" + first + "/keepalived.json")).contains("vigil-ka"),
            "the real dump holds the VRRP password");
        assertTrue(!m.contains("vigil-ka"), "which never reaches /metrics");
        assertTrue(m.contains("vigil_vip_reachable{port=\"6443\",vip=\"10.99.0.100\"} 0.0"), "nothing listens on 6443 yet");
        assertTrue(!m.contains("vigil-ka"), "the VRRP password never reaches /metrics");
        int other = first == 1 ? 2 : 1;
        assertTrue(metrics(other).contains("source=\"fifo\",vrid=\"50\",vrrp_instance=\"VI_1\"} 1.0"), "a backup node reports BACKUP");

        // a TLS server on the VIP port of every node: the VIP answers wherever it is
        for (int i = 1; i <= 3; i++) {
            start(dir.resolve("s_server" + i + ".log"), "ip", "netns", "exec", ns(i), "openssl", "s_server", "-quiet",
                "-accept", "6443", "-cert", dir.resolve("cert.pem").toString(), "-key", dir.resolve("key.pem").toString());
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!metrics(other).contains("vigil_vip_reachable{port=\"6443\",vip=\"10.99.0.100\"} 1.0")) {
            assertTrue(System.nanoTime() < end, "the VIP never became reachable from a backup node: " + metrics(other));
            TimeUnit.MILLISECONDS.sleep(250);
        }

        // stop the holder's keepalived: the VIP moves, its agent sees keepalived down and counts the transition
        keepalived[first].destroy();
        assertTrue(keepalived[first].waitFor(20, TimeUnit.SECONDS));
        h = awaitHolders(x -> count(x) == 1 && x.get(first) == 0, 30, "takeover by another node");
        int second = holder(h);
        String old = awaitMetrics(first, x -> x.contains("vigil_keepalived_up{target=\"keepalived\"} 0.0"), 15,
            "keepalived reported down on the old holder");
        assertTrue(transitions(old) >= 1, "the old holder counted losing the VIP: " + old);
        assertTrue(transitions(metrics(second)) >= 1, "the new holder counted gaining it");

        // partition the new holder with its link still up (its port leaves the bridge): it keeps the VIP, and the
        // remaining node, hearing no adverts, takes it too
        sh("ip", "-n", ns(0), "link", "set", "vk" + id + "b" + second, "nomaster");
        awaitHolders(x -> count(x) == 2, 30, "split brain (two holders)");
    }
}
