package dev.vigil.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Golden;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepalivedTest {
    @TempDir
    Path dir;

    static final String CONF = """
        ! Configuration File for keepalived -- control plane VIP
        global_defs {
           router_id vigil-ka-n1
           enable_dbus
           vrrp_notify_fifo /run/keepalived/vrrp.fifo
        }
        vrrp_script chk_health {
            script "/usr/bin/test -f /run/healthy"   # a comment after a quoted string with a # inside: "#"
            interval 1
            weight 0
        }
        vrrp_instance VI_1 {
            state BACKUP
            interface eth0
            virtual_router_id 50
            priority 50
            nopreempt
            advert_int 1
            authentication {
                auth_type PASS
                auth_pass vigil-ka
            }
            unicast_peer {
                10.99.0.2
                10.99.0.3
            }
            virtual_ipaddress {
                10.99.0.100/24 dev eth0 label eth0:vip
            }
            track_script {
                chk_health
            }
        }
        include conf.d/*.conf
        """;

    @Test
    void readsInstancesThroughIncludes() throws Exception {
        Files.createDirectories(dir.resolve("conf.d"));
        Files.writeString(dir.resolve("keepalived.conf"), CONF);
        Files.writeString(dir.resolve("conf.d/v6.conf"), """
            # an IPv6 VIP in its own instance
            vrrp_instance VI_6
            {
                interface eth1
                virtual_router_id 60
                priority 100
                virtual_ipaddress {
                    fd00:99::100/64
                    fd00:99::101
                }
            }
            """);
        List<KeepalivedConf.Instance> instances = KeepalivedConf.read(dir.resolve("keepalived.conf"));
        assertEquals(List.of(
            new KeepalivedConf.Instance("VI_1", "eth0", 50, 50, List.of("10.99.0.100/24")),
            new KeepalivedConf.Instance("VI_6", "eth1", 60, 100, List.of("fd00:99::100/64", "fd00:99::101"))), instances);
    }

    @Test
    void vipTargetsComeFromTheListAndFromKeepalivedConf() throws Exception {
        Files.writeString(dir.resolve("keepalived.conf"), CONF);
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("k.yml", """
            keepalived:
              config_file: %s
              vips:
                - {address: 10.99.0.100, check_port: 6443, name: api}
                - {address: 10.99.0.200, interface: eth0}
            """.formatted(dir.resolve("keepalived.conf"))).targets();
        assertEquals(List.of("keepalived/keepalived", "vip/api", "vip/10.99.0.200"), targets.stream().map(Target::key).toList());
        VipKind.Spec api = (VipKind.Spec) targets.get(1).spec();
        assertEquals(new VipKind.Spec("10.99.0.100", "", "VI_1", 6443, false, VipKind.DEFAULT_ANSWER_PORT), api);
    }

    @Test
    void jsonDumpGivesStatesAndNeverThePassword() throws Exception {
        for (String f : List.of("master-keepalived.json", "backup-keepalived.json", "fault-linkdown-keepalived.json")) {
            try (InputStream in = getClass().getResourceAsStream("/keepalived/" + f)) {
                List<JsonDump.Instance> i = JsonDump.parse(in);
                assertEquals(1, i.size());
                assertEquals("VI_1", i.get(0).name());
                assertEquals("eth0", i.get(0).iface());
                assertEquals(50, i.get(0).vrid());
                int expected = f.startsWith("master") ? 2 : f.startsWith("backup") ? 1 : 3;
                assertEquals(expected, i.get(0).state(), f);
                assertFalse(i.get(0).toString().contains("vigil-ka"), "the VRRP password must not be kept");
            }
        }
    }

    @Test
    void busctlAnswerOfKeepalivedsDbusService() {
        // what busctl prints for the State property of keepalived 2.2.7 (seen in KeepalivedNetnsIT)
        assertEquals(java.util.Optional.of(new DbusState.State(2, "Master")), DbusState.parse("(us) 2 \"Master\"\n"));
        assertEquals(java.util.Optional.empty(), DbusState.parse("Failed to get property State: Unknown object"));
        assertEquals("/org/keepalived/Vrrp1/Instance/eth0/50/IPv4", DbusState.objectPath("eth0", 50, false));
    }

    @Test
    void fifoLinesCountTransitions() {
        NotifyFifo fifo = new NotifyFifo(dir.resolve("no-such-fifo"));
        try {
            fifo.accept("INSTANCE \"VI_1\" BACKUP 50", 1000);
            fifo.accept("INSTANCE \"VI_1\" MASTER 50", 2000);
            fifo.accept("INSTANCE \"VI_1\" MASTER 50", 2500);
            fifo.accept("GROUP \"G\" MASTER 0", 2600);
            fifo.accept("garbage", 2700);
            NotifyFifo.InstanceState s = fifo.states().get("VI_1");
            assertEquals(new NotifyFifo.InstanceState("MASTER", 50, 1, 2000), s);
            assertEquals(1, fifo.states().size());
        } finally {
            fifo.close();
        }
    }

    @Test
    void loopbackAddressIsHeldAndReachable() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            VipProbe p = new VipProbe(new VipKind.Spec("127.0.0.1", "", "", listening.getLocalPort(), false));
            ProbeResult r = p.run(Deadline.after(Duration.ofSeconds(5)));
            assertTrue(r.success(), r.message());
            assertEquals("yes, on lo", r.details().get("held"));
            assertTrue(r.samples().stream().anyMatch(s -> s.family().name().equals("vigil_vip_held") && s.value() == 1
                && s.labelValues().get(1).equals("lo")));
        }
        VipProbe absent = new VipProbe(new VipKind.Spec("192.0.2.77", "eth0", "VI_1", 0, false));
        ProbeResult r = absent.run(Deadline.after(Duration.ofSeconds(5)));
        assertTrue(r.success());
        assertEquals(List.of("192.0.2.77", "eth0", "VI_1"), r.samples().get(0).labelValues());
        assertEquals(0.0, r.samples().get(0).value());
        VipProbe refused = new VipProbe(new VipKind.Spec("127.0.0.1", "", "", 1, false));
        assertEquals("connect_refused", refused.run(Deadline.after(Duration.ofSeconds(5))).reason());
    }

    /**
     * 127.0.0.2 is in lo's 127.0.0.0/8 but not one of its addresses: this node does not hold it, and its kernel answers
     * there, as the holder of a VIP answers the other nodes whether or not anything listens on the answer port.
     */
    @Test
    void aNodeThatDoesNotHoldTheVipHearsWhetherSomeHostOwnsIt() throws Exception {
        try (ServerSocket listening = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
            VipProbe accepted = new VipProbe(new VipKind.Spec("127.0.0.2", "", "", 0, false, listening.getLocalPort()));
            ProbeResult r = accepted.run(Deadline.after(Duration.ofSeconds(5)));
            assertEquals("no", r.details().get("held"));
            assertEquals(1.0, answers(r));
        }
        int closed;
        try (ServerSocket s = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
            closed = s.getLocalPort();
        }
        ProbeResult refused = new VipProbe(new VipKind.Spec("127.0.0.2", "", "", 0, false, closed))
            .run(Deadline.after(Duration.ofSeconds(5)));
        assertEquals(1.0, answers(refused), "a refused connection still proves an owner: " + refused.details());
        ProbeResult off = new VipProbe(new VipKind.Spec("127.0.0.2", "", "", 0, false, 0))
            .run(Deadline.after(Duration.ofSeconds(5)));
        assertEquals(null, answers(off), "answer_port 0 turns the check off");
    }

    private static Double answers(ProbeResult r) {
        return r.samples().stream().filter(s -> s.family().name().equals("vigil_vip_answers")).map(s -> s.value())
            .findFirst().orElse(null);
    }

    @Test
    void aNodeWithoutKeepalivedSaysNotRunning() throws Exception {
        List<Target> t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.of(dir.toString())).parse("k.yml",
            "keepalived:\n  pid_file: /run/keepalived.pid\n").targets();
        Files.createDirectories(dir.resolve("proc/1"));
        Files.writeString(dir.resolve("proc/1/comm"), "systemd\n");
        ProbeResult r = new KeepalivedKind().create(t.get(0), HostPaths.of(dir.toString())).run(Deadline.after(Duration.ofSeconds(5)));
        assertEquals("not_running", r.reason());
        Files.createDirectories(dir.resolve("proc/4242"));
        Files.writeString(dir.resolve("proc/4242/comm"), "keepalived\n");
        r = new KeepalivedKind().create(t.get(0), HostPaths.of(dir.toString())).run(Deadline.after(Duration.ofSeconds(5)));
        assertTrue(r.success(), r.message());
        assertEquals("4242 (/proc)", r.details().get("process"));
    }

    /**
     * A keepalived found in a fake /proc, its configuration with one instance, and its notify FIFO (a real FIFO the
     * test writes keepalived's lines into): golden/keepalived.prom.
     */
    @Test
    void goldenExpositionOfKeepalived() throws Exception {
        Files.createDirectories(dir.resolve("proc/4242"));
        Files.writeString(dir.resolve("proc/4242/comm"), "keepalived\n");
        Files.createDirectories(dir.resolve("etc/keepalived"));
        Files.writeString(dir.resolve("etc/keepalived/keepalived.conf"), CONF);
        Path fifo = dir.resolve("run/keepalived/vrrp.fifo");
        Files.createDirectories(fifo.getParent());
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
            "mkfifo failed");
        HostPaths root = HostPaths.of(dir.toString());
        Target t = new ConfigLoader(ProbeKinds.builtIn(), root).parse("k.yml",
            "keepalived:\n  notify_fifo: /run/keepalived/vrrp.fifo\n  dbus: false\n").targets().get(0);
        try (var probe = new KeepalivedKind().create(t, root)) {
            Thread writer = new Thread(() -> {
                try {
                    Files.writeString(fifo, "INSTANCE \"VI_1\" BACKUP 50\nINSTANCE \"VI_1\" MASTER 50\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            writer.join(5000);
            ProbeResult r = probe.run(Deadline.after(Duration.ofSeconds(5)));
            for (int i = 0; i < 50 && r.samples().stream().noneMatch(s -> s.family() == KeepalivedKind.TRANSITIONS); i++) {
                Thread.sleep(100);
                r = probe.run(Deadline.after(Duration.ofSeconds(5)));
            }
            assertTrue(r.success(), r.message());
            Golden golden = Golden.of(new KeepalivedKind());
            golden.check(golden.render(java.util.Map.of("keepalived", r)));
        }
    }

    /** Held and reachable, held elsewhere (a host answers at 127.0.0.2), held and refused: golden/vip.prom. */
    @Test
    void goldenExpositionOfVip() throws Exception {
        java.util.Map<String, ProbeResult> results = new java.util.LinkedHashMap<>();
        try (ServerSocket listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             ServerSocket answering = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
            results.put("held", new VipProbe(new VipKind.Spec("127.0.0.1", "lo", "VI_1", listening.getLocalPort(), false))
                .run(Deadline.after(Duration.ofSeconds(5))));
            results.put("elsewhere", new VipProbe(new VipKind.Spec("127.0.0.2", "eth0", "VI_2", 0, false,
                answering.getLocalPort())).run(Deadline.after(Duration.ofSeconds(5))));
        }
        results.put("refused", new VipProbe(new VipKind.Spec("::1", "lo", "VI_3", 1, false))
            .run(Deadline.after(Duration.ofSeconds(5))));
        assertEquals("connect_refused", results.get("refused").reason());
        Golden golden = Golden.of(new VipKind()).replaceAll("port=\"[0-9]+\"", "port=\"<port>\"");
        golden.check(golden.render(results));
    }
}
