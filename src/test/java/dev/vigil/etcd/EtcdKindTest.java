package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.it.Tools;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Target;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration of kind etcd: the k3s preset, the embedded default, the probe command's options, PEM formats. */
class EtcdKindTest {
    @TempDir
    static Path pkiDir;
    private static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = new TestPki(Tools.require("openssl", "openssl"), pkiDir).ca("ca")
            .issue("ca", "sec1", "sec1").issue("ca", "pkcs1", "pkcs1").issue("ca", "pkcs8", "pkcs8");
    }

    private static EtcdKind.Spec spec(HostPaths paths, String yaml) throws ConfigException {
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), paths).parse("t.yml", yaml).targets();
        return (EtcdKind.Spec) targets.stream().filter(t -> t.kind().equals("etcd")).findFirst().orElseThrow().spec();
    }

    @Test
    void embeddedDefaultIsLocalModeOnK3sMetricsListener() throws Exception {
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).loadEmbedded().targets();
        Target etcd = targets.stream().filter(t -> t.kind().equals("etcd")).findFirst().orElseThrow();
        assertEquals("k3s", etcd.name());
        EtcdKind.Spec spec = (EtcdKind.Spec) etcd.spec();
        assertEquals(EtcdKind.LOCAL, spec.mode());
        assertEquals(List.of(URI.create("http://127.0.0.1:2381/")), spec.endpoints());
        assertEquals(null, spec.cert());
    }

    @Test
    void nothingListeningIsConnectionRefusedNotAnError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String mode : List.of("local", "cluster")) {
            ProbeRuns.Run r = ProbeRuns.run(ProbeRuns.probe(
                "etcd: {clusters: [{name: x, mode: " + mode + ", endpoints: [\"http://127.0.0.1:" + port + "\"]}]}"),
                Duration.ofSeconds(2));
            assertEquals(Reasons.CONNECT_REFUSED, r.result().reason(), r.toString());
            assertTrue(r.result().message().contains("127.0.0.1:" + port), r.toString());
        }
    }

    @Test
    void ipFamilyPicksTheAddressOfANamedEndpoint() throws Exception {
        java.net.InetAddress[] localhost = java.net.InetAddress.getAllByName("localhost");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.util.Arrays.stream(localhost)
            .anyMatch(a -> a instanceof java.net.Inet4Address), "localhost has no IPv4 address on this machine");
        // a listener on IPv4 loopback only, answering every request with 404
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.1"), 0), 4);
        server.createContext("/", x -> {
            x.sendResponseHeaders(404, -1);
            x.close();
        });
        server.start();
        try {
            String endpoint = "http://localhost:" + server.getAddress().getPort();
            ProbeRuns.Run v4 = ProbeRuns.run(ProbeRuns.probe("etcd: {clusters: [{name: x, ip_family: ip4, endpoints: [\""
                + endpoint + "\"]}]}"), Duration.ofSeconds(2));
            assertFalse(v4.result().reason().startsWith("connect_") || v4.result().reason().equals(dev.vigil.net.Reasons.DNS),
                "ip4 reaches the IPv4 listener: " + v4);
            ProbeRuns.Run v6 = ProbeRuns.run(ProbeRuns.probe("etcd: {clusters: [{name: x, ip_family: ip6, endpoints: [\""
                + endpoint + "\"]}]}"), Duration.ofSeconds(2));
            assertTrue(v6.result().reason().startsWith("connect_") || v6.result().reason().equals(dev.vigil.net.Reasons.DNS),
                "ip6 does not use the IPv4 address (nothing listens on ::1, or localhost has no IPv6 address): " + v6);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void k3sPresetInClusterModeReadsK3sFilesUnderTheRootfs(@TempDir Path rootfs) throws Exception {
        Path tls = rootfs.resolve(EtcdKind.K3S_TLS_DIR.substring(1));
        Files.createDirectories(tls);
        Files.copy(pki.caCert("ca"), tls.resolve("server-ca.crt"));
        Files.copy(pkiDir.resolve("sec1.crt"), tls.resolve("server-client.crt"));
        Files.copy(pkiDir.resolve("sec1.key"), tls.resolve("server-client.key")); // k3s writes SEC1 EC keys
        EtcdKind.Spec s = spec(HostPaths.of(rootfs.toString()), "etcd: {clusters: [{preset: k3s, mode: cluster}]}");
        assertEquals(List.of(URI.create("https://127.0.0.1:2379/")), s.endpoints());
        assertEquals(tls.resolve("server-client.key"), s.key());
        assertTrue(s.cluster());

        // local mode needs none of these files and uses the metrics listener
        EtcdKind.Spec local = spec(HostPaths.HOST, "etcd: {clusters: [{preset: k3s}]}");
        assertEquals(List.of(URI.create("http://127.0.0.1:2381/")), local.endpoints());
    }

    @Test
    void keysInEveryFormatK3sAndEtcdToolsWrite() throws Exception {
        for (String format : List.of("sec1", "pkcs1", "pkcs8")) {
            String first = Files.readAllLines(pkiDir.resolve(format + ".key")).get(0);
            assertTrue(first.startsWith("-----BEGIN "), first);
            assertNotNull(dev.vigil.pki.PrivateKeys.fromPem(Files.readAllBytes(pkiDir.resolve(format + ".key"))), format);
            assertNotNull(dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(pki.caCert("ca"), pkiDir.resolve(format + ".crt"),
                pkiDir.resolve(format + ".key"))).context(), format);
        }
        assertTrue(Files.readString(pkiDir.resolve("sec1.key")).contains("EC PRIVATE KEY"));
        assertTrue(Files.readString(pkiDir.resolve("pkcs1.key")).contains("RSA PRIVATE KEY"));
    }

    @Test
    void brokenKeyFilesAreConfigErrorsThatShowNoKeyMaterial(@TempDir Path dir) throws Exception {
        String key = Files.readString(pkiDir.resolve("pkcs1.key"));
        Path cut = Files.writeString(dir.resolve("cut.key"), key.substring(0, key.length() / 2));
        Path encrypted = Files.writeString(dir.resolve("enc.key"),
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n");
        for (Path bad : List.of(cut, encrypted, pkiDir.resolve("sec1.crt"))) {
            String yaml = "etcd: {clusters: [{name: x, mode: cluster, endpoints: [\"https://127.0.0.1:2379\"], "
                + "cert_file: \"" + pkiDir.resolve("sec1.crt") + "\", key_file: \"" + bad + "\"}]}";
            ConfigException e = assertThrows(ConfigException.class, () -> spec(HostPaths.HOST, yaml));
            String all = e.errors().toString();
            assertTrue(all.contains("cert_file"), all);
            for (String line : key.lines().toList().subList(1, 4)) {
                assertFalse(all.contains(line.substring(0, 20)), "key material in the error: " + all);
            }
        }
    }

    @Test
    void probeCommandUsesEtcdctlOptionNames() throws Exception {
        EtcdKind kind = new EtcdKind();
        Map<String, String> options = new LinkedHashMap<>();
        options.put("cacert", pki.caCert("ca").toString());
        options.put("cert", pkiDir.resolve("pkcs8.crt").toString());
        options.put("key", pkiDir.resolve("pkcs8.key").toString());
        String section = kind.commandLineSection("https://127.0.0.1:2379", options);
        EtcdKind.Spec s = spec(HostPaths.HOST, "etcd:\n" + section.indent(2));
        assertTrue(s.cluster());
        assertEquals(pkiDir.resolve("pkcs8.key"), s.key());
        assertEquals(pki.caCert("ca"), s.ca());

        EtcdKind.Spec local = spec(HostPaths.HOST,
            "etcd:\n" + kind.commandLineSection("http://127.0.0.1:2381", Map.of()).indent(2));
        assertEquals(EtcdKind.LOCAL, local.mode());
        EtcdKind.Spec preset = spec(HostPaths.HOST, "etcd:\n" + kind.commandLineSection("k3s", Map.of()).indent(2));
        assertEquals(List.of(URI.create("http://127.0.0.1:2381/")), preset.endpoints());
    }
}
