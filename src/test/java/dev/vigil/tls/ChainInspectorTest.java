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

    @Test
    void theHostCheckReadsTheSansWhetherOrNotTheJdkCheckedNameConstraintsFirst() throws Exception {
        // the JDK's name-constraints check adds the CN "test.localhost" to the leaf's cached SAN list
        Issued constrained = TestPki.cert("constrained").ca().issuer(pki.root())
            .nameConstraints(null, TestPki.subtrees("ip:10.0.0.0/8")).build();
        Issued leaf = TestPki.cert("test.localhost").issuer(constrained).ip("127.0.0.1").build();
        try {
            var params = new java.security.cert.PKIXParameters(
                java.util.Set.of(new java.security.cert.TrustAnchor(pki.root().cert(), null)));
            params.setRevocationEnabled(false);
            java.security.cert.CertPathValidator.getInstance("PKIX").validate(java.security.cert.CertificateFactory
                .getInstance("X.509").generateCertPath(List.of(leaf.cert(), constrained.cert())), params);
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            // whatever the JDK thinks, it has run
        }
        List<X509Certificate> chain = List.of(leaf.cert(), constrained.cert());
        ChainInspector.Verdict v = ChainInspector.inspect(chain, anchors, "test.localhost", Date.from(NOW));
        assertEquals("hostname_mismatch", v.reason(), v.message());
        assertTrue(v.message().contains("iPAddress 127.0.0.1") && !v.message().contains("dNSName"), v.message());
        assertEquals("ok", verdict(chain, "127.0.0.1"));
    }

    @Test
    void aCertificateWhoseMethodsThrowStillGetsAVerdict() {
        Issued leaf = pki.leaf("svc").dns("svc").build();
        for (List<X509Certificate> chain : List.of(
                List.<X509Certificate>of(new ThrowingCertificate(leaf.cert()), pki.intermediate().cert()),
                List.<X509Certificate>of(leaf.cert(), new ThrowingCertificate(pki.intermediate().cert())))) {
            ChainInspector.Verdict v = ChainInspector.inspect(chain, anchors, "svc", Date.from(NOW));
            assertTrue(ChainInspector.VERDICTS.contains(v.reason()), v.reason());
            assertFalse(v.ok(), v.message());
            assertFalse(v.message().isEmpty());
        }
    }

    @Test
    void moreIssuerCandidatesThanTheBoundIsChainTooLongNamingTheBound() {
        List<X509Certificate> chain = new java.util.ArrayList<>();
        Issued leaf = pki.leaf("svc").dns("svc").withoutKeyIds().build(); // no AKI to pick the right one first
        chain.add(leaf.cert());
        for (int i = 0; i < PathBuilder.MAX_ISSUERS_PER_STEP; i++) {
            chain.add(TestPki.cert("vigil test intermediate").ca().issuer(pki.root()).build().cert()); // same name, other key
        }
        chain.add(pki.intermediate().cert());
        ChainInspector.Verdict v = ChainInspector.inspect(chain, anchors, "svc", Date.from(NOW));
        assertEquals("chain_too_long", v.reason(), v.message());
        assertTrue(v.message().contains("more than " + PathBuilder.MAX_ISSUERS_PER_STEP), v.message());
        chain.remove(1);
        assertEquals("ok", verdict(chain, "svc"), "within the bound the right issuer is found among look-alikes");
        chain.set(0, pki.leaf("svc").dns("svc").build().cert());
        chain.add(1, TestPki.cert("vigil test intermediate").ca().issuer(pki.root()).build().cert());
        assertEquals("ok", verdict(chain, "svc"), "the authority key identifier puts the right issuer first");
    }

    @Test
    void aLongChainNamesTheDepthBound() {
        Issued issuer = pki.root();
        List<X509Certificate> chain = new java.util.ArrayList<>();
        for (int i = 0; i < PathBuilder.MAX_CERTS; i++) {
            issuer = TestPki.cert("level " + i).ca().issuer(issuer).build();
            chain.add(0, issuer.cert());
        }
        chain.add(0, TestPki.cert("svc").issuer(issuer).dns("svc").build().cert());
        ChainInspector.Verdict v = ChainInspector.inspect(chain, anchors, "svc", Date.from(NOW));
        assertEquals("chain_too_long", v.reason(), v.message());
        assertTrue(v.message().contains("within " + PathBuilder.MAX_CERTS + " certificates"), v.message());
        assertEquals("ok", verdict(shortChain(), "svc"), "eight intermediates are within the bound");
    }

    private List<X509Certificate> shortChain() {
        Issued issuer = pki.root();
        List<X509Certificate> chain = new java.util.ArrayList<>();
        for (int i = 0; i < PathBuilder.MAX_CERTS - 2; i++) {
            issuer = TestPki.cert("short " + i).ca().issuer(issuer).build();
            chain.add(0, issuer.cert());
        }
        chain.add(0, TestPki.cert("svc").issuer(issuer).dns("svc").build().cert());
        return chain;
    }

    @Test
    void nameConstraintMatching() {
        assertTrue(NameConstraints.dnsWithin("example.com", "example.com"));
        assertTrue(NameConstraints.dnsWithin("a.b.Example.com", "example.COM"));
        assertFalse(NameConstraints.dnsWithin("badexample.com", "example.com"));
        assertFalse(NameConstraints.dnsWithin("example.com", ".example.com"));
        assertTrue(NameConstraints.dnsWithin("a.example.com", ".example.com"));
        assertTrue(NameConstraints.dnsWithin("anything.test", ""));
        assertTrue(NameConstraints.ipWithin(new byte[] {127, 0, 0, 9}, new byte[] {127, 0, 0, 0, -1, -1, -1, 0}));
        assertFalse(NameConstraints.ipWithin(new byte[] {127, 0, 1, 9}, new byte[] {127, 0, 0, 0, -1, -1, -1, 0}));
        assertFalse(NameConstraints.ipWithin(new byte[16], new byte[] {0, 0, 0, 0, 0, 0, 0, 0}), "v4 range, v6 address");
        assertTrue(NameConstraints.emailWithin("a@example.com", "example.com"));
        assertFalse(NameConstraints.emailWithin("a@x.example.com", "example.com"));
        assertTrue(NameConstraints.emailWithin("a@x.example.com", ".example.com"));
        assertTrue(NameConstraints.emailWithin("a@EXAMPLE.com", "a@example.com"));
        byte[] org = new javax.security.auth.x500.X500Principal("O=vigil test").getEncoded();
        byte[] under = new javax.security.auth.x500.X500Principal("CN=svc,O=vigil test").getEncoded();
        byte[] other = new javax.security.auth.x500.X500Principal("CN=svc,O=other").getEncoded();
        assertTrue(NameConstraints.directoryWithin(under, org));
        assertFalse(NameConstraints.directoryWithin(other, org));
    }
}
