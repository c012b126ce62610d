package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainInspectorTest {
    private static final Instant NOW = Instant.now();
    private final Hierarchy pki = Hierarchy.create(KeyType.EC);
    private final List<X509Certificate> anchors = List.of(pki.root().cert());

    private String verdict(List<X509Certificate> chain, String host) {
        return ChainInspector.inspect(chain, anchors, host, Date.from(NOW)).reason();
    }

    @Test
    void leafWithIntermediateUnderTrustedRootIsOk() {
        Issued leaf = pki.leaf("svc").dns("svc.example.com").build();
        assertEquals("ok", verdict(List.of(leaf.cert(), pki.intermediate().cert()), "svc.example.com"));
    }

    @Test
    void rootSentAlongIsStillOk() {
        Issued leaf = pki.leaf("svc").dns("svc.example.com").build();
        assertEquals("ok", verdict(List.of(leaf.cert(), pki.intermediate().cert(), pki.root().cert()), "svc.example.com"));
    }

    @Test
    void expiredLeaf() {
        Issued leaf = pki.leaf("old").dns("svc").valid(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1))).build();
        ChainInspector.Verdict v = ChainInspector.inspect(List.of(leaf.cert(), pki.intermediate().cert()), anchors, "svc",
            Date.from(NOW));
        assertEquals("expired", v.reason());
        assertTrue(v.message().contains("CN=old"), v.message());
    }

    @Test
    void expiredIntermediate() {
        Issued inter = TestPki.cert("old intermediate").ca().issuer(pki.root())
            .valid(NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1))).build();
        Issued leaf = TestPki.cert("svc").issuer(inter).dns("svc").build();
        assertEquals("expired", verdict(List.of(leaf.cert(), inter.cert()), "svc"));
    }

    @Test
    void notYetValid() {
        Issued leaf = pki.leaf("future").dns("svc").valid(NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30))).build();
        assertEquals("not_yet_valid", verdict(List.of(leaf.cert(), pki.intermediate().cert()), "svc"));
    }

    @Test
    void selfSignedLeaf() {
        Issued self = TestPki.cert("self").dns("svc").build();
        assertEquals("self_signed", verdict(List.of(self.cert()), "svc"));
    }

    @Test
    void selfSignedLeafThatIsPinnedInTheCaFileIsOk() {
        Issued self = TestPki.cert("self").dns("svc").build();
        assertEquals("ok", ChainInspector.inspect(List.of(self.cert()), List.of(self.cert()), "svc", Date.from(NOW)).reason());
    }

    @Test
    void missingIntermediateIsAnIncompleteChain() {
        Issued leaf = pki.leaf("svc").dns("svc").build();
        assertEquals("incomplete_chain", verdict(List.of(leaf.cert()), "svc"));
    }

    @Test
    void chainUnderAnUnknownRootIsUntrusted() {
        Hierarchy other = Hierarchy.create(KeyType.RSA);
        Issued leaf = other.leaf("svc").dns("svc").build();
        assertEquals("untrusted", verdict(List.of(leaf.cert(), other.intermediate().cert()), "svc"));
        assertEquals("untrusted", verdict(List.of(leaf.cert(), other.intermediate().cert(), other.root().cert()), "svc"));
    }

    @Test
    void forgedIssuerNameDoesNotChain() {
        // same subject name as the real intermediate, different key: the signature does not verify
        Issued fake = TestPki.cert("vigil test intermediate").ca().issuer(pki.root()).build();
        Issued leaf = TestPki.cert("svc").issuer(fake).dns("svc").build();
        assertEquals("incomplete_chain", verdict(List.of(leaf.cert(), pki.intermediate().cert()), "svc"));
    }

    @Test
    void wrongHostName() {
        Issued leaf = pki.leaf("svc").dns("svc.example.com").ip("127.0.0.1").build();
        List<X509Certificate> chain = List.of(leaf.cert(), pki.intermediate().cert());
        assertEquals("hostname_mismatch", verdict(chain, "other.example.com"));
        assertEquals("hostname_mismatch", verdict(chain, "127.0.0.2"));
        assertEquals("ok", verdict(chain, "127.0.0.1"));
        assertEquals("ok", verdict(chain, "SVC.Example.COM."));
    }

    @Test
    void noHostCheckWhenNoHostIsGiven() {
        Issued leaf = pki.leaf("svc").dns("svc.example.com").build();
        assertEquals("ok", verdict(List.of(leaf.cert(), pki.intermediate().cert()), null));
    }

    @Test
    void wildcardsCoverOneLabelOnly() {
        assertTrue(ChainInspector.dnsMatches("*.example.com", "a.example.com"));
        assertFalse(ChainInspector.dnsMatches("*.example.com", "a.b.example.com"));
        assertFalse(ChainInspector.dnsMatches("*.example.com", "example.com"));
        assertFalse(ChainInspector.dnsMatches("*.com", "example.com"));
    }

    @Test
    void ipv6LiteralMatchesItsSan() {
        Issued leaf = pki.leaf("svc").ip("::1").build();
        assertEquals("ok", verdict(List.of(leaf.cert(), pki.intermediate().cert()), "0:0:0:0:0:0:0:1"));
        assertEquals("ok", verdict(List.of(leaf.cert(), pki.intermediate().cert()), "[::1]"));
    }

    @Test
    void anIntermediateWithoutCaFlagIsAnInvalidCertificate() {
        Issued notCa = TestPki.cert("not a ca").issuer(pki.root()).build();
        Issued leaf = TestPki.cert("svc").issuer(notCa).dns("svc").build();
        ChainInspector.Verdict v = ChainInspector.inspect(List.of(leaf.cert(), notCa.cert()), anchors, "svc", Date.from(NOW));
        assertEquals("invalid_certificate", v.reason(), v.message());
        assertTrue(v.message().contains("basicConstraints"), v.message());
    }

    @Test
    void positionsAndFacts() {
        Issued leaf = pki.leaf("svc").keys(KeyType.RSA).dns("a.example", "b.example").ip("10.0.0.1").build();
        CertificateFacts f = CertificateFacts.of(leaf.cert());
        assertEquals("svc", f.subjectCn());
        assertEquals("vigil test intermediate", f.issuerCn());
        assertEquals("RSA", f.keyType());
        assertEquals(2048, f.keyBits());
        assertEquals("SHA256withECDSA", f.signatureAlgorithm());
        assertEquals("a.example,b.example,10.0.0.1", f.sans());
        assertEquals(64, f.fingerprintSha256().length());
        assertEquals("leaf", f.position(0));
        assertEquals("intermediate", CertificateFacts.of(pki.intermediate().cert()).position(1));
        assertEquals("root", CertificateFacts.of(pki.root().cert()).position(2));
        assertEquals(256, CertificateFacts.of(pki.root().cert()).keyBits());
    }

    @Test
    void cachedTrustStillJudgesTimeAndHostAtEveryCall() {
        Issued leaf = pki.leaf("svc").dns("svc").valid(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1))).build();
        List<X509Certificate> chain = List.of(leaf.cert(), pki.intermediate().cert());
        assertEquals("ok", verdict(chain, "svc"));
        assertEquals("expired", ChainInspector.inspect(chain, anchors, "svc", Date.from(NOW.plus(Duration.ofDays(2)))).reason());
        assertEquals("hostname_mismatch", verdict(chain, "other"));
    }

    @Test
    void aNewAnchorListIsANewTrustDecision() {
        Issued leaf = pki.leaf("svc").dns("svc").build();
        List<X509Certificate> chain = List.of(leaf.cert(), pki.intermediate().cert());
        assertEquals("ok", verdict(chain, "svc"));
        Hierarchy other = Hierarchy.create(KeyType.EC);
        assertEquals("untrusted", ChainInspector.inspect(chain, List.of(other.root().cert()), "svc", Date.from(NOW)).reason());
    }

    @Test
    void ipLiterals() {
        for (String ip : List.of("127.0.0.1", "10.0.0.255", "::1", "2001:db8::1", "[::1]")) {
            assertTrue(ChainInspector.isIpLiteral(ip), ip);
        }
        for (String name : List.of("localhost", "1.2.3", "1.2.3.4.5", "1..2.3", "1234.1.1.1", "1.2.3.", "a.b.c.d", "")) {
            assertFalse(ChainInspector.isIpLiteral(name), name);
        }
    }
}
