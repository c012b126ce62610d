package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.probe.ProbeResult;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The postgres dialect against a real PostgreSQL (Debian package {@code postgresql}) with {@code ssl = on}: a private
 * cluster made by initdb in a temporary directory, on a loopback port, stopped by pg_ctl (and by its pid) after each
 * test. As root the cluster runs as the {@code postgres} user, as PostgreSQL refuses to run as root.
 */
class PostgresStartTlsIT {
    private Path home;
    private Path data;
    private Path bin;
    private boolean asPostgres;
    private int port;
    private final Hierarchy pki = Hierarchy.create(KeyType.RSA);
    private Path caFile;

    @BeforeEach
    void createCluster() throws Exception {
        Optional<Path> found = Stream.concat(Stream.of(Path.of("/usr/local/bin"), Path.of("/usr/bin")),
                listOrEmpty(Path.of("/usr/lib/postgresql")).map(v -> v.resolve("bin")))
            .filter(d -> Files.isExecutable(d.resolve("initdb")) && Files.isExecutable(d.resolve("pg_ctl")))
            .findFirst();
        assumeTrue(found.isPresent(), "PostgreSQL is not installed (apt-get install postgresql): initdb and pg_ctl are"
            + " needed for the postgres STARTTLS test");
        bin = found.get();
        asPostgres = "root".equals(System.getProperty("user.name"));
        home = Files.createTempDirectory("vigil-pg");
        data = home.resolve("data");
        if (asPostgres) {
            UserPrincipal pg = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(home, pg);
        }
        pg(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres", "--no-sync");

        Issued leaf = pki.leaf("db.example.com").keys(KeyType.RSA).dns("db.example.com").ip("127.0.0.1").build();
        caFile = TestPki.write(home, "ca.pem", pki.root().pem());
        Path cert = TestPki.write(data, "server.crt", leaf.pem(), pki.intermediate().pem());
        Path key = TestPki.write(data, "server.key", leaf.keyPem());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        if (asPostgres) {
            UserPrincipal pg = home.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(cert, pg);
            Files.setOwner(key, pg);
        }
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(data.resolve("postgresql.conf"), "\nssl = on\nssl_cert_file = 'server.crt'\n"
            + "ssl_key_file = 'server.key'\nlisten_addresses = '127.0.0.1'\nport = " + port + "\n"
            + "unix_socket_directories = '" + home + "'\nfsync = off\n", java.nio.file.StandardOpenOption.APPEND);
        pg(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", home.resolve("log").toString(), "-w", "-t",
            "60", "start");
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (data == null) {
            return;
        }
        try {
            pg(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException e) {
            // fall back to the pid of the postmaster
            Path pidFile = data.resolve("postmaster.pid");
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        } finally {
            Commands.run("rm", "-rf", home.toString());
        }
    }

    private void pg(String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.addAll(List.of(command));
        Commands.run(cmd.toArray(String[]::new));
    }

    private static Stream<Path> listOrEmpty(Path dir) {
        try {
            return Files.isDirectory(dir) ? Files.list(dir).sorted(java.util.Comparator.reverseOrder()).toList().stream()
                : Stream.empty();
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    @Test
    void sslRequestThenTheServersChain() throws Exception {
        for (String provider : List.of("boringssl", "jdk")) {
            ProbeResult r = Probes.runOnce("tls:\n  timeout: 5s\n  targets:\n    - target: 127.0.0.1:" + port
                + "\n      starttls: postgres\n      server_name: db.example.com\n      provider: " + provider
                + "\n      ca_file: " + caFile + "\n");
            assertTrue(r.success(), provider + ": " + r.reason() + ": " + r.message());
            assertEquals("db.example.com", Probes.label(r, "vigil_tls_cert_info", "subject_cn"));
            assertEquals(2, Probes.value(r, "vigil_tls_chain_certificates"));
            assertEquals("TLSv1.3", Probes.label(r, "vigil_tls_version_info", "version"));
        }
    }

    @Test
    void withoutTheDialectTheServerIsNotTls() {
        ProbeResult r = Probes.runOnce("tls:\n  timeout: 3s\n  targets:\n    - target: 127.0.0.1:" + port
            + "\n      ca_file: " + caFile + "\n");
        assertTrue(List.of("protocol_error", "handshake_failed").contains(r.reason()), r.reason() + ": " + r.message());
    }
}
