package dev.vigil.tls;

import static dev.vigil.tls.Probes.label;
import static dev.vigil.tls.Probes.sample;
import static dev.vigil.tls.Probes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tls kind against real {@code openssl s_server} processes, with both engines. */
class TlsProbeIT {
    private static final Instant NOW = Instant.now();
    @TempDir
    Path dir;
    private final List<OpenSslServer> servers = new ArrayList<>();
    private Hierarchy pki;
    private Path caFile;

    @BeforeAll
    static void tools() {
        OpenSslServer.assumeOpenSsl();
    }

    @BeforeEach
    void setUp() throws IOException {
        pki = Hierarchy.create(KeyType.EC);
        caFile = TestPki.write(dir, "ca.pem", pki.root().pem());
    }

    @AfterEach
    void stopServers() {
        servers.forEach(OpenSslServer::close);
    }

    private OpenSslServer serve(Issued leaf, List<Issued> chain, String... extra) throws IOException {
        String n = "srv" + servers.size();
        Path cert = TestPki.write(dir, n + ".crt", leaf.pem());
        Path key = TestPki.write(dir, n + ".key", leaf.keyPem());
        Path chainFile = null;
        if (!chain.isEmpty()) {
            chainFile = TestPki.write(dir, n + "-chain.pem", chain.stream().map(Issued::pem).toArray(String[]::new));
        }
        OpenSslServer s = OpenSslServer.start("127.0.0.1", cert.toString(), key.toString(),
            chainFile == null ? null : chainFile.toString(), extra);
        servers.add(s);
        return s;
    }

    private String yaml(int port, String provider, String... options) {
        StringBuilder y = new StringBuilder("tls:\n  timeout: 5s\n  targets:\n    - target: 127.0.0.1:" + port
            + "\n      name: t\n      provider: " + provider + "\n      ca_file: " + caFile + "\n");
        for (String o : options) {
            y.append("      ").append(o).append('\n');
        }
        return y.toString();
    }

    private ProbeResult probe(int port, String provider, String... options) {
        return Probes.runOnce(yaml(port, provider, options));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void validChainIsOkAndExportsEveryCertificate(String provider) throws IOException {
        Issued leaf = pki.leaf("localhost").dns("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        ProbeResult r = probe(s.port(), provider);
        assertTrue(r.success(), r.reason() + ": " + r.message() + " " + r.details());
        assertEquals(provider, r.details().get("provider"));
        assertEquals(1, value(r, "vigil_tls_verified", "reason", "ok"));
        assertEquals("TLSv1.3", label(r, "vigil_tls_version_info", "version"));
        assertEquals(leaf.cert().getNotAfter().getTime() / 1000.0, value(r, "vigil_tls_leaf_expiry_timestamp_seconds"));
        assertEquals(pki.intermediate().cert().getNotAfter().getTime() / 1000.0,
            value(r, "vigil_tls_cert_not_after_timestamp_seconds", "position", "intermediate", "index", "1",
                "subject_cn", "vigil test intermediate", "issuer_cn", "vigil test root"));
        assertEquals(2, value(r, "vigil_tls_chain_certificates"));
        assertEquals("ECDSA", label(r, "vigil_tls_cert_info", "key_type"));
        assertEquals("localhost,127.0.0.1", label(r, "vigil_tls_cert_info", "sans"));
        assertTrue(value(r, "vigil_tls_handshake_duration_seconds") > 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void rsaChainTls12(String provider) throws IOException {
        Hierarchy rsa = Hierarchy.create(KeyType.RSA);
        caFile = TestPki.write(dir, "rsa-ca.pem", rsa.root().pem());
        Issued leaf = rsa.leaf("localhost").keys(KeyType.RSA).ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of(rsa.intermediate()), "-tls1_2");
        ProbeResult r = probe(s.port(), provider);
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("TLSv1.2", label(r, "vigil_tls_version_info", "version"));
        assertEquals("2048", label(r, "vigil_tls_cert_info", "key_bits"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void expiredCertificateStillExportsItsFacts(String provider) throws IOException {
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1")
            .valid(NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(2))).build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        ProbeResult r = probe(s.port(), provider);
        assertFalse(r.success());
        assertEquals("expired", r.reason());
        assertEquals(0, value(r, "vigil_tls_verified", "reason", "expired"));
        assertEquals(leaf.cert().getNotAfter().getTime() / 1000.0,
            value(r, "vigil_tls_cert_not_after_timestamp_seconds", "position", "leaf"));
        assertEquals(leaf.cert().getNotAfter().getTime() / 1000.0, value(r, "vigil_tls_earliest_expiry_timestamp_seconds"));
    }

    @Test
    void notYetValid() throws IOException {
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1")
            .valid(NOW.plus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(60))).build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        ProbeResult r = probe(s.port(), "auto");
        assertEquals("not_yet_valid", r.reason());
        assertEquals(leaf.cert().getNotBefore().getTime() / 1000.0,
            value(r, "vigil_tls_cert_not_before_timestamp_seconds", "position", "leaf"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void selfSigned(String provider) throws IOException {
        Issued self = TestPki.cert("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(self, List.of());
        ProbeResult r = probe(s.port(), provider);
        assertEquals("self_signed", r.reason(), r.message());
        assertEquals(1, value(r, "vigil_tls_chain_certificates"));
    }

    @Test
    void wrongHost() throws IOException {
        Issued leaf = pki.leaf("elsewhere").dns("elsewhere.example.com").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        ProbeResult r = probe(s.port(), "auto");
        assertEquals("hostname_mismatch", r.reason(), r.message());
        // the same certificate is fine for the name it carries
        assertTrue(probe(s.port(), "auto", "server_name: elsewhere.example.com").success());
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void missingIntermediate(String provider) throws IOException {
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of());
        ProbeResult r = probe(s.port(), provider);
        assertEquals("incomplete_chain", r.reason(), r.message());
    }

    @Test
    void untrustedWithoutCaFileUsesSystemCas() throws IOException {
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        ProbeResult r = Probes.runOnce("tls:\n  targets:\n    - target: 127.0.0.1:" + s.port() + "\n");
        assertEquals("untrusted", r.reason(), r.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void serverNameIsSentAsSniForIpTargets(String provider) throws IOException {
        Issued fallback = pki.leaf("default").dns("default.example").build();
        Issued named = pki.leaf("named").dns("named.example").build();
        Path cert2 = TestPki.write(dir, "named.crt", named.pem());
        Path key2 = TestPki.write(dir, "named.key", named.keyPem());
        Path chain = TestPki.write(dir, "inter.pem", pki.intermediate().pem());
        OpenSslServer s = serve(fallback, List.of(pki.intermediate()), "-servername", "named.example",
            "-cert2", cert2.toString(), "-key2", key2.toString(), "-chainCAfile", chain.toString());
        ProbeResult withSni = probe(s.port(), provider, "server_name: named.example");
        assertEquals("named", label(withSni, "vigil_tls_cert_info", "subject_cn"));
        // s_server sends no chain with its second certificate: the leaf alone, matching the name
        assertEquals("incomplete_chain", withSni.reason(), withSni.message());
        ProbeResult without = probe(s.port(), provider);
        assertEquals("default", label(without, "vigil_tls_cert_info", "subject_cn"));
        assertEquals("hostname_mismatch", without.reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void everyRunIsAFullHandshakeSoRotationIsSeen(String provider) throws IOException {
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()), "-tls1_2");
        Target t = Probes.parse(yaml(s.port(), provider)).get(0);
        Probe p = Probes.probe(t, HostPaths.HOST);
        for (int i = 0; i < 3; i++) {
            ProbeResult r = Probes.run(p, t);
            assertTrue(r.success(), "run " + i + ": " + r.reason() + " " + r.message());
            assertEquals(2, value(r, "vigil_tls_chain_certificates"), "run " + i + " saw the whole chain");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_2", "-tls1_3"})
    void aCertificateRotatedBehindTheSamePortIsSeenByEveryTargetOnItsNextRun(String protocol) throws IOException {
        // BoringSSL targets share one context: no session of one run or one target may be resumed by another
        Issued before = pki.leaf("localhost").dns("localhost").build();
        Issued after = pki.leaf("localhost").dns("localhost").build();
        OpenSslServer first = serve(before, List.of(pki.intermediate()), protocol);
        int port = first.port();
        List<Target> targets = Probes.parse("tls:\n  timeout: 5s\n  defaults:\n    provider: boringssl\n    server_name: localhost\n    ca_file: "
            + caFile + "\n  targets:\n    - target: 127.0.0.1:" + port + "\n      name: a\n    - target: 127.0.0.1:"
            + port + "\n      name: b\n");
        List<Probe> probes = targets.stream().map(t -> Probes.probe(t, HostPaths.HOST)).toList();
        String oldFingerprint = CertificateFacts.of(before.cert()).fingerprintSha256();
        String newFingerprint = CertificateFacts.of(after.cert()).fingerprintSha256();
        for (int i = 0; i < 2; i++) {
            ProbeResult r = Probes.run(probes.get(i), targets.get(i));
            assertTrue(r.success(), r.reason() + " " + r.message());
            assertEquals(oldFingerprint, label(r, "vigil_tls_cert_info", "fingerprint_sha256"));
        }
        first.close();
        Path cert = TestPki.write(dir, "rotated.crt", after.pem());
        Path key = TestPki.write(dir, "rotated.key", after.keyPem());
        Path chain = TestPki.write(dir, "rotated-chain.pem", pki.intermediate().pem());
        servers.add(OpenSslServer.start("127.0.0.1:" + port, cert.toString(), key.toString(), chain.toString(),
            protocol));
        for (int i = 0; i < 2; i++) {
            ProbeResult r = Probes.run(probes.get(i), targets.get(i));
            assertTrue(r.success(), r.reason() + " " + r.message());
            assertEquals(newFingerprint, label(r, "vigil_tls_cert_info", "fingerprint_sha256"), "target " + i);
            assertEquals(2, value(r, "vigil_tls_chain_certificates"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void aServerThatTakesOnlyP384StillCompletesTheHandshake(String provider) throws IOException {
        // vigil offers X25519 first; this server answers with a HelloRetryRequest for P-384
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()), "-tls1_3", "-groups", "P-384");
        ProbeResult r = probe(s.port(), provider);
        assertTrue(r.success(), r.reason() + " " + r.message());
        assertEquals("TLSv1.3", label(r, "vigil_tls_version_info", "version"));
    }

    @Test
    void closedPortIsConnectRefused() throws IOException {
        int port;
        try (ServerSocket ss = new ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        ProbeResult r = probe(port, "auto");
        assertEquals("connect_refused", r.reason());
    }

    @Test
    void unknownHostIsDns() {
        ProbeResult r = Probes.runOnce("tls:\n  targets:\n    - target: no-such-host.invalid:443\n");
        assertEquals("dns", r.reason());
    }

    // ---- mTLS --------------------------------------------------------------------------------------------------

    private Issued clientCa;

    private OpenSslServer mtlsServer(String... extra) throws IOException {
        clientCa = TestPki.cert("client ca").ca().build();
        Path clientCaFile = TestPki.write(dir, "client-ca.pem", clientCa.pem());
        Issued leaf = pki.leaf("localhost").ip("127.0.0.1").build();
        List<String> args = new ArrayList<>(List.of("-Verify", "1", "-verify_return_error", "-CAfile",
            clientCaFile.toString()));
        args.addAll(List.of(extra));
        return serve(leaf, List.of(pki.intermediate()), args.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void mtlsRequiredWithoutClientCertificateFailsButKeepsTheChain(String provider) throws IOException {
        OpenSslServer s = mtlsServer();
        ProbeResult r = probe(s.port(), provider);
        assertEquals("handshake_failed", r.reason(), r.message());
        assertEquals(1, value(r, "vigil_tls_verified", "reason", "ok"));
        assertEquals(2, value(r, "vigil_tls_chain_certificates"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void mtlsRequiredTls12WithoutClientCertificate(String provider) throws IOException {
        OpenSslServer s = mtlsServer("-tls1_2");
        ProbeResult r = probe(s.port(), provider);
        assertEquals("handshake_failed", r.reason(), r.message());
        assertTrue(sample(r, "vigil_tls_cert_info").isPresent(), "chain kept");
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void mtlsWithPemClientCertificate(String provider) throws IOException {
        OpenSslServer s = mtlsServer();
        Issued client = TestPki.cert("vigil agent").issuer(clientCa).build();
        Path cert = TestPki.write(dir, "client.crt", client.pem());
        Path key = TestPki.write(dir, "client.key", client.keyPem());
        ProbeResult r = probe(s.port(), provider, "client_cert_file: " + cert, "client_key_file: " + key);
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(client.cert().getNotAfter().getTime() / 1000.0,
            value(r, "vigil_tls_client_cert_not_after_timestamp_seconds", "subject_cn", "vigil agent"));
        assertEquals(0, value(r, "vigil_tls_client_cert_read_error"));
    }

    @Test
    void mtlsWithAClientCertificateTheServerDoesNotTrust() throws IOException {
        OpenSslServer s = mtlsServer();
        Issued stranger = TestPki.cert("stranger").build();
        Path cert = TestPki.write(dir, "stranger.crt", stranger.pem());
        Path key = TestPki.write(dir, "stranger.key", stranger.keyPem());
        ProbeResult r = probe(s.port(), "auto", "client_cert_file: " + cert, "client_key_file: " + key);
        assertEquals("handshake_failed", r.reason(), r.message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-pkcs1", "ec-sec1", "pkcs12"})
    void mtlsWithKeysMadeByOpenssl(String format) throws Exception {
        OpenSslServer s = mtlsServer();
        Issued client = TestPki.cert("vigil agent").keys(format.startsWith("rsa") ? KeyType.RSA : KeyType.EC)
            .issuer(clientCa).build();
        Path cert = TestPki.write(dir, "client.crt", client.pem());
        Path pkcs8 = TestPki.write(dir, "client.pkcs8.key", client.keyPem());
        List<String> options = new ArrayList<>();
        if (format.equals("pkcs12")) {
            Path pw = dir.resolve("p12.pass");
            Files.writeString(pw, "s3cret\n");
            Path p12 = dir.resolve("client.p12");
            Commands.run("openssl", "pkcs12", "-export", "-in", cert.toString(), "-inkey", pkcs8.toString(),
                "-passout", "file:" + pw, "-out", p12.toString());
            options.add("client_pkcs12_file: " + p12);
            options.add("client_pkcs12_password_file: " + pw);
        } else {
            Path traditional = dir.resolve("client.traditional.key");
            Commands.run("openssl", "pkey", "-in", pkcs8.toString(), "-traditional", "-out", traditional.toString());
            String header = format.startsWith("rsa") ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY";
            assertTrue(Files.readString(traditional).contains(header), "openssl wrote " + header);
            options.add("client_cert_file: " + cert);
            options.add("client_key_file: " + traditional);
        }
        ProbeResult r = probe(s.port(), "auto", options.toArray(String[]::new));
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertTrue(sample(r, "vigil_tls_client_cert_not_after_timestamp_seconds").isPresent());
    }

    // ---- several addresses, long chains ----------------------------------------------------------------------

    @Test
    void allAddressesAreProbedAndDifferentLeavesAreAMismatch() throws Exception {
        Issued first = pki.leaf("backend a").dns("svc.example.com").build();
        Issued second = pki.leaf("backend b").dns("svc.example.com").build();
        OpenSslServer a = serve(first, List.of(pki.intermediate()));
        Path cert = TestPki.write(dir, "b.crt", second.pem());
        Path key = TestPki.write(dir, "b.key", second.keyPem());
        Path chain = TestPki.write(dir, "b-chain.pem", pki.intermediate().pem());
        OpenSslServer b = OpenSslServer.start("127.0.0.2:" + a.port(), cert.toString(), key.toString(), chain.toString());
        servers.add(b);
        Target t = Probes.parse("tls:\n  targets:\n    - target: svc.example.com:" + a.port() + "\n      all_addresses: true"
            + "\n      ca_file: " + caFile + "\n").get(0);
        TlsProbe.Resolver twoBackends = host -> new java.net.InetAddress[] {
            java.net.InetAddress.getByName("127.0.0.1"), java.net.InetAddress.getByName("127.0.0.2")};
        ProbeResult r = Probes.run(new TlsProbe(t.name(), (TlsKind.Spec) t.spec(), twoBackends), t);
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(1, value(r, "vigil_tls_backend_mismatch"));
        assertEquals(1, value(r, "vigil_tls_address_success", "address", "127.0.0.1", "reason", "ok"));
        assertEquals(1, value(r, "vigil_tls_address_success", "address", "127.0.0.2", "reason", "ok"));
        assertEquals(second.cert().getNotAfter().getTime() / 1000.0,
            value(r, "vigil_tls_address_leaf_expiry_timestamp_seconds", "address", "127.0.0.2"));

        b.close();
        ProbeResult oneDown = Probes.run(new TlsProbe(t.name(), (TlsKind.Spec) t.spec(), twoBackends), t);
        assertEquals("connect_refused", oneDown.reason(), oneDown.message());
        assertEquals(0, value(oneDown, "vigil_tls_address_success", "address", "127.0.0.2", "reason", "connect_refused"));
        assertEquals(0, value(oneDown, "vigil_tls_backend_mismatch"));
        assertEquals("backend a", Probes.label(oneDown, "vigil_tls_cert_info", "subject_cn"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void fiftyCertificateChainEndsInTimeAndExportsABoundedSet(String provider) throws IOException {
        List<Issued> intermediates = new ArrayList<>();
        Issued issuer = pki.root();
        for (int i = 0; i < 49; i++) {
            issuer = TestPki.cert("level " + i).ca().issuer(issuer).build();
            intermediates.add(0, issuer);
        }
        Issued leaf = TestPki.cert("deep").issuer(issuer).ip("127.0.0.1").build();
        OpenSslServer s = serve(leaf, intermediates);
        long start = System.nanoTime();
        ProbeResult r = probe(s.port(), provider);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 5, "took " + seconds + " s");
        if (provider.equals("boringssl")) {
            // the handshake takes it; the verdict gives up at its depth bound (pyca: 8 intermediates), with the reason
            assertEquals("chain_too_long", r.reason(), r.message());
            assertEquals(0, value(r, "vigil_tls_verified", "reason", "chain_too_long"));
            assertEquals(50, value(r, "vigil_tls_chain_certificates"));
            assertEquals(TlsKind.MAX_EXPORTED_CERTS,
                r.samples().stream().filter(x -> x.family().name().equals("vigil_tls_cert_info")).count());
        } else {
            // the JDK refuses chains longer than jdk.tls.maxCertificateChainLength (10) before any trust manager
            assertEquals("handshake_failed", r.reason(), r.message());
        }
    }

    @Test
    void ipv6LiteralTarget() throws Exception {
        Issued leaf = pki.leaf("v6").ip("::1").build();
        Path chain = TestPki.write(dir, "v6-chain.pem", pki.intermediate().pem());
        OpenSslServer s;
        try {
            s = OpenSslServer.startIpv6(TestPki.write(dir, "v6.crt", leaf.pem()).toString(),
                TestPki.write(dir, "v6.key", leaf.keyPem()).toString(), chain.toString());
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
            return;
        }
        servers.add(s);
        ProbeResult r = Probes.runOnce("tls:\n  targets:\n    - target: \"[::1]:" + s.port() + "\"\n      ca_file: " + caFile + "\n");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("[0:0:0:0:0:0:0:1]:" + s.port(), r.details().get("address"));
        ProbeResult v4only = Probes.runOnce("tls:\n  targets:\n    - target: \"[::1]:" + s.port() + "\"\n      ip_family: ip4\n");
        assertEquals("dns", v4only.reason());
    }

    @Test
    void ipFamilyChoosesTheAddress() throws Exception {
        Issued leaf = pki.leaf("svc").dns("svc.example.com").build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        TlsProbe.Resolver dualStack = host -> new java.net.InetAddress[] {
            java.net.InetAddress.getByName("::1"), java.net.InetAddress.getByName("127.0.0.1")};
        for (String[] c : new String[][] {{"ip4", "ok"}, {"prefer_ip4", "ok"}, {"ip6", "connect_refused"},
            {"prefer_ip6", "connect_refused"}, {"any", "connect_refused"}}) {
            Target t = Probes.parse("tls:\n  targets:\n    - target: svc.example.com:" + s.port() + "\n      ip_family: " + c[0]
                + "\n      ca_file: " + caFile + "\n").get(0);
            ProbeResult r = Probes.run(new TlsProbe(t.name(), (TlsKind.Spec) t.spec(), dualStack), t);
            assertEquals(c[1], r.reason(), c[0] + ": " + r.message());
        }
    }

    /** What an SRE types instead of openssl s_client: the packaged jar, its text output. */
    @Test
    void probeCommandPrintsChainVerdictAndDaysLeft() throws Exception {
        String jar = System.getProperty("vigil.jar");
        org.junit.jupiter.api.Assumptions.assumeTrue(jar != null && Files.exists(Path.of(jar)),
            "the packaged jar is needed (mvn verify builds it)");
        Issued leaf = pki.leaf("cli.example").dns("cli.example")
            .valid(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)).plus(Duration.ofHours(1))).build();
        OpenSslServer s = serve(leaf, List.of(pki.intermediate()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String ok = Commands.run(java, "-jar", jar, "probe", "tls", "127.0.0.1:" + s.port(), "--server-name", "cli.example",
            "--ca-file", caFile.toString(), "--timeout", "5s");
        assertTrue(ok.contains("OK"), ok);
        assertTrue(ok.contains("verdict: ok"), ok);
        assertTrue(ok.contains("cert 0 (leaf): CN=cli.example"), ok);
        assertTrue(ok.contains("cert 1 (intermediate): CN=vigil test intermediate"), ok);
        assertTrue(ok.contains("(in 30 days)"), ok);
        String bad = Commands.runAllowingFailure(java, "-jar", jar, "probe", "tls", "127.0.0.1:" + s.port(), "--ca-file",
            caFile.toString());
        assertTrue(bad.contains("FAILED (hostname_mismatch)"), bad);
        assertTrue(bad.contains("vigil_tls_cert_not_after_timestamp_seconds"), bad);
    }
}
