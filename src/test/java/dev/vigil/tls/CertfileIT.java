package dev.vigil.tls;

import static dev.vigil.tls.Probes.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certfile kind over files in every format, made by the real tools (openssl, keytool), under a fake host root
 * ({@code --path.rootfs}) so that the paths in the configuration are the real ones of kubeadm and k3s.
 */
class CertfileIT {
    @TempDir
    Path root;
    private HostPaths host;
    private Hierarchy pki;
    private Issued leaf;
    private Path pkcs8Key;
    private Path leafPem;

    @BeforeAll
    static void tools() {
        OpenSslServer.assumeOpenSsl();
    }

    @BeforeEach
    void setUp() throws Exception {
        host = HostPaths.of(root.toString());
        pki = Hierarchy.create(KeyType.RSA);
        leaf = pki.leaf("apiserver").keys(KeyType.RSA).dns("kubernetes.default.svc").build();
        Path work = Files.createDirectories(root.resolve("work"));
        leafPem = TestPki.write(work, "leaf.pem", leaf.pem());
        pkcs8Key = TestPki.write(work, "leaf.key", leaf.keyPem());
    }

    private Path hostFile(String hostPath) throws Exception {
        Path p = host.resolve(hostPath);
        Files.createDirectories(p.getParent());
        return p;
    }

    private ProbeResult probe(String options) {
        Target t = Probes.parse("certfiles:\n  targets:\n    - " + options.replace("\n", "\n      ") + "\n", host).get(0);
        return Probes.run(Probes.probe(t, host), t);
    }

    @Test
    void pemBundleUnderAKubeadmGlob() throws Exception {
        Files.writeString(hostFile("/etc/kubernetes/pki/apiserver.crt"), leaf.pem() + pki.intermediate().pem());
        Files.writeString(hostFile("/etc/kubernetes/pki/etcd/ca.crt"), pki.root().pem());
        Files.writeString(hostFile("/etc/kubernetes/pki/apiserver.key"), leaf.keyPem());
        ProbeResult r = probe("path: /etc/kubernetes/pki/**/*.crt\nname: kubeadm");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(2, value(r, "vigil_certfile_files"));
        assertEquals(3, value(r, "vigil_certfile_certificates"));
        assertEquals(leaf.cert().getNotAfter().getTime() / 1000.0, value(r, "vigil_certfile_cert_not_after_timestamp_seconds",
            "target", "kubeadm", "path", "/etc/kubernetes/pki/apiserver.crt", "index", "0", "position", "leaf",
            "subject_cn", "apiserver"));
        assertEquals(pki.root().cert().getNotAfter().getTime() / 1000.0, value(r,
            "vigil_certfile_cert_not_after_timestamp_seconds", "path", "/etc/kubernetes/pki/etcd/ca.crt", "position", "root"));
        assertTrue(r.samples().stream().noneMatch(s -> s.labelValues().stream().anyMatch(v -> v.contains("PRIVATE"))));
    }

    @Test
    void aPemFileWithOnlyAKeyIsSkippedNotAnError() throws Exception {
        Files.writeString(hostFile("/etc/ssl/private/server.pem"), leaf.keyPem());
        Files.writeString(hostFile("/etc/ssl/private/server-cert.pem"), leaf.pem());
        ProbeResult r = probe("path: /etc/ssl/private/*.pem");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(2, value(r, "vigil_certfile_files"));
        assertEquals(1, value(r, "vigil_certfile_certificates"));
        assertFalse(r.details().toString().contains(leaf.keyPem().substring(40, 80)), "no key material in details");
    }

    @Test
    void derMadeByOpenssl() throws Exception {
        Path der = hostFile("/var/lib/rancher/k3s/server/tls/client-admin.crt");
        Commands.run("openssl", "x509", "-in", leafPem.toString(), "-outform", "DER", "-out", der.toString());
        ProbeResult r = probe("path: /var/lib/rancher/k3s/server/tls/*.crt");
        assertTrue(r.success(), r.message());
        assertEquals(1, value(r, "vigil_certfile_certificates"));
        assertEquals("RSA", Probes.label(r, "vigil_certfile_cert_info", "key_type"));
    }

    @Test
    void pkcs12MadeByOpensslWithItsPassword() throws Exception {
        Path pw = hostFile("/etc/app/p12.pass");
        Files.writeString(pw, "changeit\n");
        Path chain = TestPki.write(root.resolve("work"), "chain.pem", pki.intermediate().pem());
        Commands.run("openssl", "pkcs12", "-export", "-in", leafPem.toString(), "-inkey", pkcs8Key.toString(),
            "-certfile", chain.toString(), "-passout", "file:" + pw, "-out", hostFile("/etc/app/client.p12").toString());
        ProbeResult r = probe("path: /etc/app/client.p12\npassword_file: /etc/app/p12.pass");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(2, value(r, "vigil_certfile_certificates"));

        Files.writeString(hostFile("/etc/app/wrong.pass"), "nope\n");
        ProbeResult wrong = probe("path: /etc/app/client.p12\npassword_file: /etc/app/wrong.pass");
        assertEquals("bad_password", wrong.reason(), wrong.message());
        assertEquals(1, value(wrong, "vigil_certfile_read_errors", "path", "/etc/app/client.p12", "reason", "bad_password"));
        assertFalse(wrong.message().contains("nope"));

        assertEquals("bad_password", probe("path: /etc/app/client.p12").reason());
    }

    @Test
    void jksMadeByKeytool() throws Exception {
        Path jks = hostFile("/etc/kafka/truststore.jks");
        Commands.run("keytool", "-importcert", "-noprompt", "-storetype", "JKS", "-keystore", jks.toString(), "-storepass",
            "trustpass", "-alias", "root", "-file", TestPki.write(root.resolve("work"), "root.pem", pki.root().pem()).toString());
        Commands.run("keytool", "-importcert", "-noprompt", "-storetype", "JKS", "-keystore", jks.toString(), "-storepass",
            "trustpass", "-alias", "intermediate", "-file",
            TestPki.write(root.resolve("work"), "int.pem", pki.intermediate().pem()).toString());
        Files.writeString(hostFile("/etc/kafka/truststore.pass"), "trustpass");
        ProbeResult r = probe("path: /etc/kafka/truststore.jks\npassword_file: /etc/kafka/truststore.pass");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(2, value(r, "vigil_certfile_certificates"));
        assertEquals(1, value(r, "vigil_certfile_cert_info", "source", "intermediate", "position", "intermediate"));

        Files.writeString(hostFile("/etc/kafka/wrong.pass"), "wrong");
        assertEquals("bad_password", probe("path: /etc/kafka/truststore.jks\npassword_file: /etc/kafka/wrong.pass").reason());
    }

    @Test
    void pkcs12KeyStoreMadeByKeytool() throws Exception {
        Path p12 = hostFile("/etc/app/keytool.p12");
        Commands.run("keytool", "-genkeypair", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "storepass",
            "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=keytool server", "-validity", "30");
        Files.writeString(hostFile("/etc/app/keytool.pass"), "storepass\n");
        ProbeResult r = probe("path: /etc/app/keytool.p12\npassword_file: /etc/app/keytool.pass");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("keytool server", Probes.label(r, "vigil_certfile_cert_info", "subject_cn"));
        assertEquals("ECDSA", Probes.label(r, "vigil_certfile_cert_info", "key_type"));
    }

    @Test
    void kubeconfigEmbeddedData() throws Exception {
        Issued client = pki.leaf("system:admin").build();
        String ca = Base64.getEncoder().encodeToString(pki.root().pem().getBytes());
        String cert = Base64.getEncoder().encodeToString(client.pem().getBytes());
        String key = Base64.getEncoder().encodeToString(client.keyPem().getBytes());
        Files.writeString(hostFile("/etc/rancher/k3s/k3s.yaml"), "apiVersion: v1\nkind: Config\nclusters:\n"
            + "- cluster:\n    certificate-authority-data: " + ca + "\n    server: https://127.0.0.1:6443\n  name: default\n"
            + "contexts:\n- context:\n    cluster: default\n    user: default\n  name: default\ncurrent-context: default\n"
            + "users:\n- name: default\n  user:\n    client-certificate-data: " + cert + "\n    client-key-data: " + key + "\n");
        ProbeResult r = probe("path: /etc/rancher/k3s/k3s.yaml");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(client.cert().getNotAfter().getTime() / 1000.0, value(r, "vigil_certfile_cert_not_after_timestamp_seconds",
            "source", "user/default/client-certificate-data", "subject_cn", "system:admin"));
        assertEquals(1, value(r, "vigil_certfile_cert_info", "source", "cluster/default/certificate-authority-data"));
    }

    @Test
    void kubeconfigFileReferencesAreReadUnderTheHostRoot() throws Exception {
        // kubeadm's kubelet.conf: the CA embedded, the client certificate a file the kubelet rotates
        Issued kubelet = pki.leaf("system:node:node1").build();
        String ca = Base64.getEncoder().encodeToString(pki.root().pem().getBytes());
        Files.writeString(hostFile("/var/lib/kubelet/pki/kubelet-client-current.pem"), kubelet.pem() + kubelet.keyPem());
        Files.writeString(hostFile("/etc/kubernetes/pki/ca.crt"), pki.root().pem());
        Files.writeString(hostFile("/etc/kubernetes/kubelet.conf"), "apiVersion: v1\nkind: Config\nclusters:\n"
            + "- cluster:\n    certificate-authority-data: " + ca + "\n    server: https://10.0.0.1:6443\n  name: k\n"
            + "- cluster:\n    certificate-authority: pki/ca.crt\n    server: https://10.0.0.2:6443\n  name: relative\n"
            + "users:\n- name: node\n  user:\n"
            + "    client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem\n"
            + "    client-key: /var/lib/kubelet/pki/kubelet-client-current.pem\n");
        ProbeResult r = probe("path: /etc/kubernetes/kubelet.conf");
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(kubelet.cert().getNotAfter().getTime() / 1000.0,
            value(r, "vigil_certfile_cert_not_after_timestamp_seconds", "source", "user/node/client-certificate",
                "subject_cn", "system:node:node1"));
        assertEquals(1, value(r, "vigil_certfile_cert_info", "source", "cluster/relative/certificate-authority"));
        assertEquals(1, value(r, "vigil_certfile_cert_info", "source", "cluster/k/certificate-authority-data"));

        Files.delete(host.resolve("/var/lib/kubelet/pki/kubelet-client-current.pem"));
        ProbeResult missing = probe("path: /etc/kubernetes/kubelet.conf");
        assertEquals("not_found", missing.reason());
        assertTrue(missing.message().contains("user/node/client-certificate /var/lib/kubelet/pki/kubelet-client-current.pem"),
            missing.message());
        assertEquals(1, value(missing, "vigil_certfile_read_errors", "path", "/etc/kubernetes/kubelet.conf", "reason",
            "not_found"));
    }

    @Test
    void globMatchingNothingIsReported() {
        ProbeResult r = probe("path: /var/lib/rancher/k3s/server/tls/*.crt");
        assertEquals("not_found", r.reason());
        assertEquals(1, value(r, "vigil_certfile_read_errors", "path", "/var/lib/rancher/k3s/server/tls/*.crt",
            "reason", "not_found"));
        assertEquals(0, value(r, "vigil_certfile_files"));
        ProbeResult allowed = probe("path: /var/lib/rancher/k3s/server/tls/*.crt\nallow_missing: true");
        assertTrue(allowed.success());
        assertEquals(0, value(allowed, "vigil_certfile_files"));
    }

    @Test
    void missingSingleFileIsNotFound() {
        assertEquals("not_found", probe("path: /etc/ssl/nothing-here.pem").reason());
    }

    @Test
    void garbageIsAParseError() throws Exception {
        Files.writeString(hostFile("/etc/ssl/garbage.crt"), "this is not a certificate\n");
        Files.writeString(hostFile("/etc/ssl/broken.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        ProbeResult r = probe("path: /etc/ssl/*.crt");
        assertEquals("parse_error", r.reason());
        assertEquals(1, value(r, "vigil_certfile_read_errors", "path", "/etc/ssl/garbage.crt", "reason", "parse_error"));
        assertEquals(1, value(r, "vigil_certfile_read_errors", "path", "/etc/ssl/broken.crt", "reason", "parse_error"));
    }

    /**
     * Root reads any file, so as root the probe runs as user {@code nobody} through the real command line
     * ({@code vigil probe certfile PATH --output json}, the packaged jar); otherwise in this JVM.
     */
    @Test
    void unreadableFilesAndDirectoriesArePermissionDenied() throws Exception {
        Path secret = hostFile("/etc/ssl/secret.crt");
        Files.writeString(secret, leaf.pem());
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path closedDir = Files.createDirectories(host.resolve("/etc/private"));
        Files.writeString(closedDir.resolve("inner.crt"), leaf.pem());
        Files.setPosixFilePermissions(closedDir, PosixFilePermissions.fromString("rwx------"));
        if (!"root".equals(System.getProperty("user.name"))) {
            assertEquals("permission_denied", probe("path: /etc/ssl/secret.crt").reason());
            assertEquals("permission_denied", probe("path: /etc/private/*.crt").reason());
            assertEquals("permission_denied", probe("path: /etc/private/inner.crt").reason());
            return;
        }
        String jar = System.getProperty("vigil.jar");
        assumeFalse(jar == null || !Files.exists(Path.of(jar)), "the packaged jar is needed (mvn verify builds it)");
        // nobody may walk down to the files (the temporary directory lies in a world-writable /tmp), not read them
        for (Path p : List.of(root, root.resolve("etc"), root.resolve("etc/ssl"))) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        for (String[] c : new String[][] {{"/etc/ssl/secret.crt"}, {"/etc/private/*.crt"}, {"/etc/private/inner.crt"}}) {
            String out = Commands.runAllowingFailure("runuser", "-u", "nobody", "--", Path.of(System.getProperty("java.home"),
                "bin", "java").toString(), "-jar", jar, "--path.rootfs=" + root, "probe", "certfile", c[0], "--output", "json");
            assertTrue(out.contains("\"reason\":\"permission_denied\""), c[0] + ": " + out);
        }
    }

    @Test
    void aRenewedCertificateIsSeenAtTheNextRun() throws Exception {
        Path p = hostFile("/etc/kubernetes/pki/front-proxy-client.crt");
        Files.writeString(p, leaf.pem());
        Target t = Probes.parse("certfiles:\n  targets:\n    - path: /etc/kubernetes/pki/*.crt\n", host).get(0);
        Probe probe = Probes.probe(t, host);
        assertEquals(leaf.cert().getNotAfter().getTime() / 1000.0,
            value(Probes.run(probe, t), "vigil_certfile_earliest_expiry_timestamp_seconds"));
        Issued renewed = pki.leaf("apiserver").valid(Instant.now(), Instant.now().plus(Duration.ofDays(365))).build();
        Files.writeString(p, renewed.pem());
        assertEquals(renewed.cert().getNotAfter().getTime() / 1000.0,
            value(Probes.run(probe, t), "vigil_certfile_earliest_expiry_timestamp_seconds"));
    }
}
