package dev.vigil.tls;

import dev.vigil.pki.Der;
import static dev.vigil.tls.ScriptedServer.readLine;
import static dev.vigil.tls.ScriptedServer.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ProbeResult;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each STARTTLS dialect against a scripted in-process server that speaks the dialect's plain-text part byte for byte
 * as the RFCs show it, then hands the socket to the JDK's TLS server. Also: refusals and answers from another protocol.
 */
class StartTlsTest {
    @TempDir
    Path dir;
    private final List<ScriptedServer> servers = new ArrayList<>();
    private Hierarchy pki;
    private Issued leaf;
    private Path caFile;

    @BeforeEach
    void setUp() throws Exception {
        pki = Hierarchy.create(KeyType.EC);
        leaf = pki.leaf("mail").dns("mail.example.com").ip("127.0.0.1").build();
        caFile = TestPki.write(dir, "ca.pem", pki.root().pem());
    }

    @AfterEach
    void stop() {
        servers.forEach(ScriptedServer::close);
    }

    private int serve(ScriptedServer.Script script) throws Exception {
        ScriptedServer s = new ScriptedServer(script).tls(leaf, pki.intermediate());
        servers.add(s);
        return s.port();
    }

    private ProbeResult probe(int port, String dialect) {
        return Probes.runOnce("tls:\n  timeout: 3s\n  targets:\n    - target: 127.0.0.1:" + port + "\n      starttls: " + dialect
            + "\n      ca_file: " + caFile + "\n");
    }

    private static void assertOk(ProbeResult r) {
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals("mail", Probes.label(r, "vigil_tls_cert_info", "subject_cn"));
    }

    @Test
    void smtp() throws Exception {
        int port = serve((s, srv) -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            write(out, "220 mail.example.com ESMTP ready\r\n");
            assertTrue(readLine(in).startsWith("EHLO "));
            write(out, "250-mail.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
            assertEquals("STARTTLS", readLine(in));
            write(out, "220 2.0.0 Ready to start TLS\r\n");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "smtp"));
    }

    @Test
    void smtpRefusal() throws Exception {
        int port = serve((s, srv) -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            write(out, "220 mail ESMTP\r\n");
            readLine(in);
            write(out, "250 mail\r\n");
            readLine(in);
            write(out, "454 4.7.0 TLS not available due to local problem\r\n");
            readLine(in);
        });
        ProbeResult r = probe(port, "smtp");
        assertEquals("starttls_rejected", r.reason(), r.message());
        assertTrue(r.message().contains("454"), r.message());
    }

    @Test
    void smtpDialectAgainstAnHttpServerIsAProtocolError() throws Exception {
        int port = serve((s, srv) -> {
            write(s.getOutputStream(), "HTTP/1.1 400 Bad Request\r\n\r\n");
            readLine(s.getInputStream());
        });
        assertEquals("protocol_error", probe(port, "smtp").reason());
    }

    @Test
    void imap() throws Exception {
        int port = serve((s, srv) -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            write(out, "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n");
            String cmd = readLine(in);
            String tag = cmd.substring(0, cmd.indexOf(' '));
            assertEquals("STARTTLS", cmd.substring(tag.length() + 1));
            write(out, tag + " OK Begin TLS negotiation now\r\n");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "imap"));
    }

    @Test
    void imapRefusal() throws Exception {
        int port = serve((s, srv) -> {
            write(s.getOutputStream(), "* OK ready\r\n");
            String cmd = readLine(s.getInputStream());
            write(s.getOutputStream(), cmd.substring(0, cmd.indexOf(' ')) + " BAD STARTTLS not supported\r\n");
            readLine(s.getInputStream());
        });
        assertEquals("starttls_rejected", probe(port, "imap").reason());
    }

    @Test
    void pop3() throws Exception {
        int port = serve((s, srv) -> {
            write(s.getOutputStream(), "+OK POP3 ready\r\n");
            assertEquals("STLS", readLine(s.getInputStream()));
            write(s.getOutputStream(), "+OK Begin TLS negotiation\r\n");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "pop3"));
    }

    @Test
    void ftp() throws Exception {
        int port = serve((s, srv) -> {
            write(s.getOutputStream(), "220-Welcome\r\n220 FTP ready\r\n");
            assertEquals("AUTH TLS", readLine(s.getInputStream()));
            write(s.getOutputStream(), "234 AUTH TLS successful\r\n");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "ftp"));
    }

    @Test
    void ldap() throws Exception {
        byte[] expectedRequest = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, (byte) 0x80, 0x16};
        int port = serve((s, srv) -> {
            byte[] req = s.getInputStream().readNBytes(31);
            for (int i = 0; i < expectedRequest.length; i++) {
                assertEquals(expectedRequest[i], req[i], "byte " + i);
            }
            assertEquals("1.3.6.1.4.1.1466.20037", new String(req, 9, 22, StandardCharsets.US_ASCII));
            // ExtendedResponse: resultCode success, empty matchedDN and diagnosticMessage, responseName
            byte[] oid = "1.3.6.1.4.1.1466.20037".getBytes(StandardCharsets.US_ASCII);
            byte[] body = Der.concat(new byte[] {0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}, Der.tlv(0x8a, oid));
            s.getOutputStream().write(Der.tlv(0x30, Der.concat(new byte[] {0x02, 0x01, 0x01}, Der.tlv(0x78, body))));
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "ldap"));
    }

    @Test
    void ldapRefusal() throws Exception {
        int port = serve((s, srv) -> {
            s.getInputStream().readNBytes(31);
            // resultCode 2 (protocolError): StartTLS not supported
            byte[] body = {0x0a, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00};
            s.getOutputStream().write(Der.tlv(0x30, Der.concat(new byte[] {0x02, 0x01, 0x01}, Der.tlv(0x78, body))));
            s.getInputStream().read();
        });
        assertEquals("starttls_rejected", probe(port, "ldap").reason());
    }

    @Test
    void postgresScripted() throws Exception {
        int port = serve((s, srv) -> {
            byte[] req = s.getInputStream().readNBytes(8);
            assertEquals(List.of(0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f), toInts(req));
            s.getOutputStream().write('S');
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "postgres"));
    }

    @Test
    void postgresWithSslOff() throws Exception {
        int port = serve((s, srv) -> {
            s.getInputStream().readNBytes(8);
            s.getOutputStream().write('N');
            s.getInputStream().read();
        });
        assertEquals("starttls_rejected", probe(port, "postgres").reason());
    }

    @Test
    void mysql() throws Exception {
        int port = serve((s, srv) -> {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.write(10);
            p.writeBytes("8.0.36\0".getBytes(StandardCharsets.US_ASCII));
            p.writeBytes(new byte[] {1, 0, 0, 0}); // connection id
            p.writeBytes("abcdefgh".getBytes(StandardCharsets.US_ASCII));
            p.write(0);
            p.writeBytes(new byte[] {(byte) 0xff, (byte) 0xff}); // capabilities, CLIENT_SSL included
            p.writeBytes(new byte[] {45, 2, 0, (byte) 0xff, (byte) 0xc3, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
            p.writeBytes("ijklmnopqrst\0mysql_native_password\0".getBytes(StandardCharsets.US_ASCII));
            byte[] payload = p.toByteArray();
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {(byte) payload.length, 0, 0, 0});
            out.write(payload);
            byte[] sslRequest = s.getInputStream().readNBytes(36);
            assertEquals(32, sslRequest[0]);
            assertEquals(1, sslRequest[3]);
            assertTrue((sslRequest[5] & 0x08) != 0, "CLIENT_SSL set");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "mysql"));
    }

    @Test
    void xmpp() throws Exception {
        int port = serve((s, srv) -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            String open = readUntil(in, "version='1.0'>");
            assertTrue(open.contains("to='127.0.0.1'"), open);
            write(out, "<?xml version='1.0'?><stream:stream from='example.com' id='1' version='1.0' "
                + "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
                + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                + "</stream:features>");
            readUntil(in, "/>");
            write(out, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
            srv.upgrade(s).close();
        });
        assertOk(probe(port, "xmpp"));
    }

    @Test
    void silentSmtpServerEndsAtTheDeadline() throws Exception {
        int port = serve((s, srv) -> s.getInputStream().read());
        long start = System.nanoTime();
        ProbeResult r = probe(port, "smtp");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("starttls_timeout", r.reason());
        assertTrue(seconds < 4, "ended after " + seconds + " s");
    }

    @Test
    void endlessGreetingIsCutOff() throws Exception {
        int port = serve((s, srv) -> {
            byte[] junk = "220-".getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < 100_000; i++) {
                out.write(junk);
                out.write("xxxxxxxxxx\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        });
        ProbeResult r = probe(port, "smtp");
        assertEquals("protocol_error", r.reason(), r.message());
    }

    private static String readUntil(InputStream in, String end) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.toString().endsWith(end)) {
                break;
            }
        }
        return sb.toString();
    }

    private static List<Integer> toInts(byte[] b) {
        List<Integer> out = new ArrayList<>();
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    @Test
    void xmppDialectAgainstAnSmtpServerIsAProtocolError() throws Exception {
        int port = serve((s, srv) -> {
            write(s.getOutputStream(), "220 mail ESMTP\r\n");
            s.getInputStream().readAllBytes();
        });
        assertEquals("protocol_error", probe(port, "xmpp").reason());
    }

    @Test
    void xmppServerWithoutStartTls() throws Exception {
        int port = serve((s, srv) -> {
            readUntil(s.getInputStream(), "version='1.0'>");
            write(s.getOutputStream(), "<?xml version='1.0'?><stream:stream version='1.0'><stream:features>"
                + "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features>");
            s.getInputStream().readAllBytes();
        });
        assertEquals("starttls_rejected", probe(port, "xmpp").reason());
    }
}
