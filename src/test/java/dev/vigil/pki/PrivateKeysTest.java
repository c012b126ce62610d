package dev.vigil.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.tls.TestPki;
import dev.vigil.tls.TestPki.KeyType;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Key formats as pure functions over bytes. PKCS#1 and SEC1 bodies are taken out of the JDK's own PKCS#8 encoding
 * (PKCS#8 wraps them), so re-wrapping must give back the very same key; keys written by openssl are covered in
 * {@code TlsProbeIT}.
 */
class PrivateKeysTest {
    private static byte[] innerKey(byte[] pkcs8) {
        Der.Reader seq = new Der.Reader(pkcs8).next().content();
        seq.next(); // version
        seq.next(); // algorithm
        return seq.next().bytes();
    }

    private static byte[] pem(String type, byte[] der) {
        return TestPki.pem(type, der).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void pkcs8() {
        for (KeyType t : KeyType.values()) {
            KeyPair k = TestPki.keys(t);
            PrivateKey read = PrivateKeys.fromPem(pem("PRIVATE KEY", k.getPrivate().getEncoded()));
            assertArrayEquals(k.getPrivate().getEncoded(), read.getEncoded());
        }
    }

    @Test
    void pkcs1Rsa() {
        KeyPair k = TestPki.keys(KeyType.RSA);
        byte[] pkcs1 = innerKey(k.getPrivate().getEncoded());
        PrivateKey read = PrivateKeys.fromPem(pem("RSA PRIVATE KEY", pkcs1));
        assertEquals("RSA", read.getAlgorithm());
        assertArrayEquals(k.getPrivate().getEncoded(), read.getEncoded());
    }

    @Test
    void sec1EcWithParametersBlockFirst() {
        KeyPair k = TestPki.keys(KeyType.EC);
        byte[] sec1 = innerKey(k.getPrivate().getEncoded());
        // the JDK's inner ECPrivateKey omits the curve; openssl's carries it as [0]: add it as openssl would
        Der.Reader seq = new Der.Reader(sec1).next().content();
        byte[] version = seq.next().encoded();
        byte[] d = seq.next().encoded();
        byte[] prime256v1 = TestPki.oid("1.2.840.10045.3.1.7");
        byte[] withCurve = Der.tlv(Der.SEQUENCE, Der.concat(version, d, Der.tlv(0xa0, prime256v1)));
        byte[] file = Der.concat(pem("EC PARAMETERS", prime256v1), pem("EC PRIVATE KEY", withCurve));
        PrivateKey read = PrivateKeys.fromPem(file);
        assertEquals("EC", read.getAlgorithm());
        assertEquals(((java.security.interfaces.ECPrivateKey) k.getPrivate()).getS(),
            ((java.security.interfaces.ECPrivateKey) read).getS());
    }

    @Test
    void encryptedKeysAreRefusedWithoutEchoingThem() {
        byte[] body = new byte[64];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PrivateKeys.fromPem(pem("ENCRYPTED PRIVATE KEY", body)));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
        String legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
            + Base64.getEncoder().encodeToString(body) + "\n-----END RSA PRIVATE KEY-----\n";
        e = assertThrows(IllegalArgumentException.class, () -> PrivateKeys.fromPem(legacy.getBytes(StandardCharsets.US_ASCII)));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
        assertFalse(e.getMessage().contains(Base64.getEncoder().encodeToString(body)));
    }

    @Test
    void aCertificateIsNotAKey() {
        byte[] cert = TestPki.cert("x").build().pem().getBytes(StandardCharsets.US_ASCII);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrivateKeys.fromPem(cert));
        assertTrue(e.getMessage().contains("no PRIVATE KEY"), e.getMessage());
    }
}
