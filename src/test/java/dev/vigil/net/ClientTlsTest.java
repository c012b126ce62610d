package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.pki.Der;
import dev.vigil.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientTlsTest {
    @TempDir
    Path dir;

    private static byte[] innerKey(byte[] pkcs8) {
        Der.Reader seq = new Der.Reader(pkcs8).next().content();
        seq.next();
        seq.next();
        return seq.next().bytes();
    }

    @Test
    void aRotatedClientCertificateIsReloadedAndAnUnchangedOneIsNot() throws Exception {
        TestPki.Issued ca = TestPki.cert("ca").ca().build();
        TestPki.Issued first = TestPki.cert("client one").issuer(ca).build();
        Path caFile = Files.writeString(dir.resolve("ca.crt"), ca.pem());
        Path cert = Files.writeString(dir.resolve("client.crt"), first.pem());
        Path key = Files.writeString(dir.resolve("client.key"), first.keyPem());
        ClientTls tls = new ClientTls(ClientTls.Files.of(caFile, cert, key));

        ClientTls.Current c1 = tls.current();
        assertTrue(c1.changed());
        assertEquals(first.cert(), c1.clientCertificate().orElseThrow());
        ClientTls.Current again = tls.current();
        assertFalse(again.changed());
        assertTrue(again.context() == c1.context());

        TestPki.Issued second = TestPki.cert("client two with a longer name").issuer(ca).build();
        Files.writeString(cert, second.pem());
        Files.writeString(key, second.keyPem());
        Files.setLastModifiedTime(cert, FileTime.from(Instant.now().plusSeconds(5)));
        ClientTls.Current c2 = tls.current();
        assertTrue(c2.changed());
        assertEquals(second.cert(), c2.clientCertificate().orElseThrow());
    }

    @Test
    void keysInPkcs1AndSec1AreReadAsWellAsPkcs8() throws Exception {
        for (TestPki.KeyType type : TestPki.KeyType.values()) {
            TestPki.Issued client = TestPki.cert("client").keys(type).build();
            byte[] inner = innerKey(client.keys().getPrivate().getEncoded());
            String pem = TestPki.pem(type == TestPki.KeyType.RSA ? "RSA PRIVATE KEY" : "PRIVATE KEY",
                type == TestPki.KeyType.RSA ? inner : client.keys().getPrivate().getEncoded());
            Path cert = Files.writeString(dir.resolve(type + ".crt"), client.pem());
            Path key = Files.writeString(dir.resolve(type + ".key"), pem);
            assertTrue(ClientTls.load(ClientTls.Files.of(null, cert, key)).clientCertificate().isPresent());
        }
    }

    @Test
    void anUnreadableCaFileIsCaFileErrorAndAnEncryptedKeyIsClientCertError() throws Exception {
        ClientTls.Unusable e = assertThrows(ClientTls.Unusable.class,
            () -> ClientTls.load(ClientTls.Files.of(dir.resolve("missing.crt"), null, null)));
        assertEquals(Reasons.CA_FILE_ERROR, e.reason());

        TestPki.Issued client = TestPki.cert("client").build();
        Path cert = Files.writeString(dir.resolve("c.crt"), client.pem());
        Path key = Files.writeString(dir.resolve("c.key"), TestPki.pem("ENCRYPTED PRIVATE KEY", new byte[64]));
        e = assertThrows(ClientTls.Unusable.class, () -> ClientTls.load(ClientTls.Files.of(null, cert, key)));
        assertEquals(Reasons.CLIENT_CERT_ERROR, e.reason());
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }
}
