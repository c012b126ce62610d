package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import dev.vigil.probe.ProbeResult;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every STARTTLS dialect but postgres ({@link PostgresStartTlsIT}) against a real server from Debian: Dovecot (imap,
 * pop3), Postfix (smtp), vsftpd (ftp), slapd (ldap), MariaDB (mysql) and Prosody (xmpp). Each test starts a private
 * instance in a temporary directory on loopback ports, serving a leaf and its intermediate, probes it with both TLS
 * providers and stops it, with its children, by process id. The servers switch to their own users, so the tests need
 * root (CI runs as root).
 */
class StartTlsServersIT {
    private static final String HOST = "mail.example.com";

    @TempDir
    Path dir;
    private final List<RealServer> servers = new ArrayList<>();
    private Path caFile;
    private Path cert;
    private Path key;
    private Issued leaf;

    @BeforeEach
    void pki() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")) || "true".equalsIgnoreCase(System.getenv("CI")),
            "the STARTTLS servers need root to start (they switch to their own users)");
        Hierarchy pki = Hierarchy.create(KeyType.EC);
        leaf = pki.leaf(HOST).dns(HOST).build();
        caFile = TestPki.write(dir, "ca.pem", pki.root().pem());
        cert = TestPki.write(dir, "cert.pem", leaf.pem(), pki.intermediate().pem());
        key = TestPki.write(dir, "key.pem", leaf.keyPem());
        // the servers' own users must reach their files under the temporary directory
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        servers.forEach(RealServer::close);
    }

    private RealServer keep(RealServer s) {
        servers.add(s);
        return s;
    }

    private void chown(String user, Path... paths) throws IOException {
        UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        for (Path p : paths) {
            Files.setOwner(p, owner);
        }
    }

    private ProbeResult probe(int port, String dialect, String provider) {
        return Probes.runOnce("tls:\n  timeout: 5s\n  targets:\n    - target: 127.0.0.1:" + port
            + "\n      starttls: " + dialect + "\n      server_name: " + HOST + "\n      provider: " + provider
            + "\n      ca_file: " + caFile + "\n");
    }

    /** Both providers upgrade the connection and see the served chain, judged ok. */
    private void assertUpgrades(int port, String dialect, RealServer server) {
        for (String provider : List.of("boringssl", "jdk")) {
            ProbeResult r = probe(port, dialect, provider);
            assertTrue(r.success(), dialect + " with " + provider + ": " + r.reason() + ": " + r.message() + "\n"
                + server.output());
            assertEquals(HOST, Probes.label(r, "vigil_tls_cert_info", "subject_cn"));
            assertEquals(2, Probes.value(r, "vigil_tls_chain_certificates"), provider);
            assertEquals(CertificateFacts.of(leaf.cert()).fingerprintSha256(),
                Probes.label(r, "vigil_tls_cert_info", "fingerprint_sha256"));
        }
    }

    private int[] startDovecot() throws Exception {
        String dovecot = Tools.require("dovecot", "dovecot-imapd dovecot-pop3d");
        for (String sub : new String[] {"run", "state", "mail"}) {
            Files.createDirectories(dir.resolve(sub));
        }
        int imap = AgentProcess.freePort();
        int pop3 = AgentProcess.freePort();
        Path conf = Files.writeString(dir.resolve("dovecot.conf"), String.join("\n",
            "base_dir = " + dir.resolve("run"),
            "state_dir = " + dir.resolve("state"),
            "instance_name = vigil-test-" + imap,
            "log_path = /dev/stderr",
            "protocols = imap pop3",
            "listen = 127.0.0.1",
            "ssl = required",
            "ssl_cert = <" + cert,
            "ssl_key = <" + key,
            "passdb {", "  driver = static", "  args = password=unused", "}",
            "userdb {", "  driver = static", "  args = uid=nobody gid=nogroup home=" + dir.resolve("mail"), "}",
            "mail_location = maildir:" + dir.resolve("mail"),
            "service imap-login {", "  chroot =", "  inet_listener imap {", "    port = " + imap, "  }",
            "  inet_listener imaps {", "    port = 0", "  }", "}",
            "service pop3-login {", "  chroot =", "  inet_listener pop3 {", "    port = " + pop3, "  }",
            "  inet_listener pop3s {", "    port = 0", "  }", "}",
            "service anvil {", "  chroot =", "}", ""));
        keep(RealServer.startAwaitingLine("dovecot", "starting up", dovecot, "-F", "-c", conf.toString()))
            .awaitPort(imap).awaitPort(pop3);
        return new int[] {imap, pop3};
    }

    @Test
    void imapAndPop3AgainstDovecot() throws Exception {
        int[] ports = startDovecot();
        assertUpgrades(ports[0], "imap", servers.get(0));
        assertUpgrades(ports[1], "pop3", servers.get(0));
    }

    @Test
    void theWrongDialectIsAProtocolErrorThatQuotesTheGreeting() throws Exception {
        int[] ports = startDovecot();
        ProbeResult r = probe(ports[0], "pop3", "boringssl");
        assertFalse(r.success());
        assertEquals("protocol_error", r.reason(), r.message());
        assertTrue(r.message().startsWith("pop3: unexpected greeting \"* OK"), r.message());
    }

    @Test
    void smtpAgainstPostfix() throws Exception {
        String postfix = Tools.require("postfix", "postfix");
        Path conf = Files.createDirectories(dir.resolve("postfix"));
        Path queue = Files.createDirectories(dir.resolve("queue"));
        Path data = Files.createDirectories(dir.resolve("data"));
        chown("postfix", data);
        int port = AgentProcess.freePort();
        Files.writeString(conf.resolve("main.cf"), String.join("\n",
            "compatibility_level = 3.6",
            "queue_directory = " + queue,
            "data_directory = " + data,
            "mail_owner = postfix",
            "setgid_group = postdrop",
            "inet_interfaces = 127.0.0.1",
            "inet_protocols = ipv4",
            "myhostname = " + HOST,
            "mydestination =",
            "smtpd_tls_cert_file = " + cert,
            "smtpd_tls_key_file = " + key,
            "smtpd_tls_security_level = may",
            "maillog_file = /dev/stdout", ""));
        List<String> master = new ArrayList<>(List.of("127.0.0.1:" + port + " inet n - n - - smtpd"));
        for (String service : new String[] {"pickup unix n - n 60 1 pickup", "cleanup unix n - n - 0 cleanup",
            "qmgr unix n - n 300 1 qmgr", "tlsmgr unix - - n 1000? 1 tlsmgr", "rewrite unix - - n - - trivial-rewrite",
            "bounce unix - - n - 0 bounce", "defer unix - - n - 0 bounce", "trace unix - - n - 0 bounce",
            "verify unix - - n - 1 verify", "flush unix n - n 1000? 0 flush", "proxymap unix - - n - - proxymap",
            "smtp unix - - n - - smtp", "relay unix - - n - - smtp", "showq unix n - n - - showq",
            "error unix - - n - - error", "retry unix - - n - - error", "discard unix - - n - - discard",
            "local unix - n n - - local", "anvil unix - - n - 1 anvil", "scache unix - - n - 1 scache",
            "postlog unix-dgram n - n - 1 postlogd"}) {
            master.add(service);
        }
        Files.writeString(conf.resolve("master.cf"), String.join("\n", master) + "\n");
        Tools.Exec perms = Tools.exec(java.time.Duration.ofSeconds(60), postfix, "-c", conf.toString(),
            "set-permissions");
        assertEquals(0, perms.code(), perms.output());
        try {
            RealServer s = keep(RealServer.startAwaitingLine("postfix", "daemon started", postfix, "-c",
                conf.toString(), "start-fg")).awaitPort(port);
            assertUpgrades(port, "smtp", s);
        } finally {
            // the master daemon may have left the process postfix started: stop it by its own command too
            Tools.exec(java.time.Duration.ofSeconds(30), postfix, "-c", conf.toString(), "stop");
        }
    }

    @Test
    void ftpAgainstVsftpd() throws Exception {
        String vsftpd = Tools.require("vsftpd", "vsftpd");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        int port = AgentProcess.freePort();
        Path conf = Files.writeString(dir.resolve("vsftpd.conf"), String.join("\n",
            "listen=YES", "listen_address=127.0.0.1", "listen_port=" + port, "background=NO",
            "anonymous_enable=NO", "local_enable=YES", "ssl_enable=YES", "rsa_cert_file=" + cert,
            "rsa_private_key_file=" + key, "secure_chroot_dir=" + empty, "seccomp_sandbox=NO",
            "vsftpd_log_file=" + dir.resolve("vsftpd.log"), ""));
        RealServer s = keep(RealServer.startAwaitingPort("vsftpd", port, vsftpd, conf.toString()));
        assertUpgrades(port, "ftp", s);
    }

    @Test
    void ldapStartTlsAgainstSlapd() throws Exception {
        String slapd = Tools.require("slapd", "slapd");
        int port = AgentProcess.freePort();
        // slapd reads keys with GnuTLS, which wants the public key inside an EC private key; the JDK's PKCS#8
        // encoding leaves it out, so openssl rewrites the key as SEC1 (it computes the public key)
        Path gnutlsKey = dir.resolve("key-ec.pem");
        Tools.Exec ec = Tools.exec(java.time.Duration.ofSeconds(30), "openssl", "ec", "-in", key.toString(),
            "-out", gnutlsKey.toString());
        assertEquals(0, ec.code(), ec.output());
        Path conf = Files.writeString(dir.resolve("slapd.conf"), String.join("\n",
            "pidfile " + dir.resolve("slapd.pid"), "TLSCertificateFile " + cert, "TLSCertificateKeyFile " + gnutlsKey,
            ""));
        RealServer s = keep(RealServer.startAwaitingLine("slapd", "slapd starting", slapd, "-d", "config,stats", "-f",
            conf.toString(), "-h", "ldap://127.0.0.1:" + port + "/")).awaitPort(port);
        assertUpgrades(port, "ldap", s);
    }

    @Test
    void mysqlAgainstMariaDb() throws Exception {
        String installDb = Tools.require("mariadb-install-db", "mariadb-server");
        String mariadbd = Tools.require("mariadbd", "mariadb-server");
        Path home = Files.createDirectories(dir.resolve("mariadb"));
        chown("mysql", home, cert, key);
        Tools.Exec init = Tools.exec(java.time.Duration.ofSeconds(120), installDb, "--no-defaults",
            "--datadir=" + home.resolve("data"), "--user=mysql", "--auth-root-authentication-method=normal",
            "--skip-test-db");
        assertEquals(0, init.code(), init.output());
        int port = AgentProcess.freePort();
        RealServer s = keep(RealServer.startAwaitingLine("mariadbd", "ready for connections", mariadbd,
            "--no-defaults", "--datadir=" + home.resolve("data"), "--user=mysql", "--bind-address=127.0.0.1",
            "--port=" + port, "--socket=" + home.resolve("sock"), "--pid-file=" + home.resolve("pid"),
            "--ssl-cert=" + cert, "--ssl-key=" + key, "--skip-log-bin", "--innodb-buffer-pool-size=16M"))
            .awaitPort(port);
        assertUpgrades(port, "mysql", s);
    }

    @Test
    void xmppAgainstProsody() throws Exception {
        String prosody = Tools.require("prosody", "prosody");
        Path home = Files.createDirectories(dir.resolve("prosody"));
        Path data = Files.createDirectories(home.resolve("data"));
        int port = AgentProcess.freePort();
        Path conf = Files.writeString(home.resolve("prosody.cfg.lua"), String.join("\n",
            "daemonize = false",
            "pidfile = \"" + home.resolve("prosody.pid") + "\"",
            "data_path = \"" + data + "\"",
            "log = { { levels = { min = \"info\" }, to = \"console\" } }",
            "interfaces = { \"127.0.0.1\" }",
            "c2s_ports = { " + port + " }",
            "s2s_ports = { }",
            "c2s_direct_tls_ports = { }",
            "modules_enabled = { \"tls\", \"saslauth\", \"disco\" }",
            "c2s_require_encryption = true",
            "VirtualHost \"" + HOST + "\"",
            "  ssl = { certificate = \"" + cert + "\", key = \"" + key + "\" }", ""));
        chown("prosody", home, data, conf, cert, key);
        RealServer s = keep(RealServer.startAwaitingLine("prosody", "Activated service 'c2s' on", "runuser", "-u",
            "prosody", "--", prosody, "--config", conf.toString())).awaitPort(port);
        assertUpgrades(port, "xmpp", s);
    }
}
