package dev.vigil.tls;

import dev.vigil.tls.TestPki.Issued;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A catalogue of chains, one generated PKI per class of the verdict (issue 18), each with the verdict vigil must give
 * and what TLS clients do with it. {@code clientsAccept} is what Go crypto/x509 and pyca/cryptography do with the
 * chain (the latter checked by {@link ChainVerdictAgreementTest} when pyca is installed); {@code pycaNote}, when not
 * null, says why pyca's stricter Web PKI profile refuses a chain that vigil (like Go) accepts.
 */
final class ChainCases {
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String ANY_EKU = "2.5.29.37.0";
    static final String UPN = "1.3.6.1.4.1.311.20.2.3";

    record Case(String name, List<X509Certificate> chain, List<X509Certificate> anchors, String host, String expected,
                String pycaNote) {
        boolean clientsAccept() {
            return expected.equals("ok");
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final Instant now;
    private final List<Case> cases = new ArrayList<>();

    private ChainCases(Instant now) {
        this.now = now;
    }

    static List<Case> all(Instant now) {
        ChainCases c = new ChainCases(now);
        c.basics();
        c.nameConstraints();
        c.pathBuilding();
        c.usageAndAlgorithms();
        c.bounds();
        return List.copyOf(c.cases);
    }

    private void add(String name, String expected, String host, List<Issued> chain, List<Issued> anchors) {
        add(name, expected, host, chain, anchors, null);
    }

    private void add(String name, String expected, String host, List<Issued> chain, List<Issued> anchors,
                     String pycaNote) {
        cases.add(new Case(name, chain.stream().map(Issued::cert).toList(), anchors.stream().map(Issued::cert).toList(),
            host, expected, pycaNote));
    }

    private Instant days(int n) {
        return now.plus(Duration.ofDays(n));
    }

    private static TestPki.Builder ca(String cn) {
        return TestPki.cert(cn).ca();
    }

    private void basics() {
        Issued root = ca("basic root").build();
        Issued inter = ca("basic intermediate").issuer(root).build();
        Issued leaf = TestPki.cert("svc").issuer(inter).dns("svc.example.com", "*.apps.example.com").build();
        add("plain chain", "ok", "svc.example.com", List.of(leaf, inter), List.of(root));
        add("root sent along", "ok", "svc.example.com", List.of(leaf, inter, root), List.of(root));
        add("wildcard covers one label", "ok", "a.apps.example.com", List.of(leaf, inter), List.of(root));
        add("wildcard does not cover two labels", "hostname_mismatch", "a.b.apps.example.com", List.of(leaf, inter),
            List.of(root));
        add("wrong host", "hostname_mismatch", "other.example.com", List.of(leaf, inter), List.of(root));
        add("missing intermediate", "incomplete_chain", "svc.example.com", List.of(leaf), List.of(root));
        Issued otherRoot = ca("other root").build();
        add("unknown root", "untrusted", "svc.example.com", List.of(leaf, inter), List.of(otherRoot));
        Issued self = TestPki.cert("self").dns("svc.example.com").build();
        add("self-signed leaf", "self_signed", "svc.example.com", List.of(self), List.of(root));
        Issued fake = ca("basic intermediate").issuer(root).build(); // same name, another key
        Issued forgedLeaf = TestPki.cert("svc").issuer(fake).dns("svc.example.com").build();
        add("issuer name matches but the signature does not", "incomplete_chain", "svc.example.com",
            List.of(forgedLeaf, inter), List.of(root));
        Issued expiredLeaf = TestPki.cert("svc").issuer(inter).dns("svc.example.com").valid(days(-30), days(-1)).build();
        add("expired leaf", "expired", "svc.example.com", List.of(expiredLeaf, inter), List.of(root));
        Issued notCa = TestPki.cert("not a ca").issuer(root).build();
        Issued underNotCa = TestPki.cert("svc").issuer(notCa).dns("svc.example.com").build();
        add("intermediate without the CA flag", "invalid_certificate", "svc.example.com", List.of(underNotCa, notCa),
            List.of(root));
        Issued noIds = TestPki.cert("svc").issuer(inter).dns("svc.example.com").withoutKeyIds().build();
        add("leaf without key identifiers", "ok", "svc.example.com", List.of(noIds, inter), List.of(root),
            "pyca requires an authority key identifier on the leaf (CA/Browser Forum); Go and private PKIs do not");
    }

    private void nameConstraints() {
        Issued root = ca("constrained root").nameConstraints(TestPki.subtrees("dns:example.com"), null).build();
        Issued inter = ca("under constrained root").issuer(root).build();
        Issued evil = TestPki.cert("evil").issuer(inter).dns("evil.test").build();
        add("root permits example.com, leaf for evil.test", "name_constraint_violation", "evil.test",
            List.of(evil, inter), List.of(root));
        Issued good = TestPki.cert("svc").issuer(inter).dns("svc.example.com").build();
        add("root permits example.com, leaf for svc.example.com", "ok", "svc.example.com", List.of(good, inter),
            List.of(root));
        Issued mixed = TestPki.cert("svc").issuer(inter).dns("svc.example.com", "svc.evil.test").build();
        add("root permits example.com, leaf with one name outside", "name_constraint_violation", "svc.example.com",
            List.of(mixed, inter), List.of(root));

        Issued plainRoot = ca("nc root").build();
        Issued noLoopback = ca("no loopback").issuer(plainRoot)
            .nameConstraints(null, TestPki.subtrees("ip:127.0.0.0/24", "dns:bad.example.com")).build();
        Issued cnIp = TestPki.cert("127.0.0.1").issuer(noLoopback).dns("test.localhost").build();
        add("CN looks like an excluded IP, SAN is a DNS name", "ok", "test.localhost", List.of(cnIp, noLoopback),
            List.of(plainRoot));
        Issued ipSan = TestPki.cert("svc").issuer(noLoopback).ip("127.0.0.1").build();
        add("SAN IP in the excluded range", "name_constraint_violation", "127.0.0.1", List.of(ipSan, noLoopback),
            List.of(plainRoot));
        Issued badDns = TestPki.cert("svc").issuer(noLoopback).dns("www.bad.example.com").build();
        add("SAN DNS under an excluded subtree", "name_constraint_violation", "www.bad.example.com",
            List.of(badDns, noLoopback), List.of(plainRoot));
        Issued ipOnly = TestPki.cert("test.localhost").issuer(noLoopback).ip("10.1.2.3").build();
        add("IP-only SAN with a DNS-looking CN, checked for the CN", "hostname_mismatch", "test.localhost",
            List.of(ipOnly, noLoopback), List.of(plainRoot));

        Issued otherNc = ca("othername constrained").issuer(plainRoot)
            .nameConstraints(TestPki.subtrees("other:" + UPN), null).build();
        Issued dnsOnly = TestPki.cert("svc").issuer(otherNc).dns("svc.example.com").build();
        add("otherName constraint, leaf with a DNS name only", "ok", "svc.example.com", List.of(dnsOnly, otherNc),
            List.of(plainRoot));
        Issued withUpn = TestPki.cert("svc").issuer(otherNc).dns("svc.example.com").otherName(UPN, "svc@example.com")
            .build();
        add("otherName constraint, leaf with an otherName", "name_constraint_violation", "svc.example.com",
            List.of(withUpn, otherNc), List.of(plainRoot));
    }

    private void pathBuilding() {
        // 2021: ISRG Root X1 self-signed and cross-signed by the expiring DST Root CA X3
        Issued oldRoot = ca("old root").valid(days(-3000), days(-5)).build();
        KeyPair newRootKeys = TestPki.keys(TestPki.KeyType.EC);
        Issued newRoot = ca("new root").keys(newRootKeys).valid(days(-1000), days(3000)).build();
        Issued crossed = ca("new root").keys(newRootKeys).issuer(oldRoot).valid(days(-900), days(-5)).build();
        Issued inter = ca("issuing ca").issuer(newRoot).build();
        Issued leaf = TestPki.cert("svc").issuer(inter).dns("svc.example.com").build();
        add("cross-signed root expired, new root trusted", "ok", "svc.example.com", List.of(leaf, inter, crossed),
            List.of(oldRoot, newRoot));
        add("cross-signed root expired, only the old root trusted", "expired", "svc.example.com",
            List.of(leaf, inter, crossed), List.of(oldRoot));
        Issued liveOld = ca("live old root").build();
        Issued crossedLive = ca("new root").keys(newRootKeys).issuer(liveOld).build();
        add("cross-signed intermediate sent first, both roots trusted", "ok", "svc.example.com",
            List.of(leaf, crossedLive, inter), List.of(liveOld, newRoot));

        Issued root = ca("renewal root").build();
        KeyPair interKeys = TestPki.keys(TestPki.KeyType.EC);
        Issued oldInter = ca("renewed intermediate").keys(interKeys).issuer(root).valid(days(-400), days(-2)).build();
        Issued newInter = ca("renewed intermediate").keys(interKeys).issuer(root).valid(days(-3), days(400)).build();
        Issued leaf2 = TestPki.cert("svc").issuer(newInter).dns("svc.example.com").build();
        add("expired and renewed intermediate of the same name, expired one first", "ok", "svc.example.com",
            List.of(leaf2, oldInter, newInter), List.of(root));
        add("only the expired intermediate sent", "expired", "svc.example.com", List.of(leaf2, oldInter),
            List.of(root));
        Issued unrelated = ca("unrelated").build();
        Issued unrelatedLeaf = TestPki.cert("other").issuer(unrelated).dns("other.example.com").build();
        add("unrelated certificates in the chain", "ok", "svc.example.com",
            List.of(leaf2, unrelated, unrelatedLeaf, newInter), List.of(root));
        add("intermediates sent in reverse order with the root", "ok", "svc.example.com",
            List.of(leaf2, root, newInter), List.of(root));

        Issued expiredRoot = ca("expired root").valid(days(-1000), days(-1)).build();
        Issued underExpired = ca("under expired root").issuer(expiredRoot).build();
        Issued leaf3 = TestPki.cert("svc").issuer(underExpired).dns("svc.example.com").build();
        add("trusted root expired", "expired", "svc.example.com", List.of(leaf3, underExpired), List.of(expiredRoot));

        Issued pl0 = ca("pathlen 0 root").pathLen(0).build();
        Issued below = ca("below pathlen 0").issuer(pl0).build();
        Issued leaf4 = TestPki.cert("svc").issuer(below).dns("svc.example.com").build();
        add("intermediate under a root with pathLen 0", "invalid_certificate", "svc.example.com",
            List.of(leaf4, below), List.of(pl0));
    }

    private void usageAndAlgorithms() {
        Issued root = ca("usage root").build();
        Issued inter = ca("usage intermediate").issuer(root).build();
        add("leaf for clientAuth only", "wrong_key_usage", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(inter).dns("svc.example.com").eku(CLIENT_AUTH).build(), inter),
            List.of(root));
        add("leaf for serverAuth and clientAuth", "ok", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(inter).dns("svc.example.com").eku(SERVER_AUTH, CLIENT_AUTH).build(),
                inter), List.of(root));
        Issued clientCa = ca("client only ca").issuer(root).eku(CLIENT_AUTH).build();
        add("intermediate restricted to clientAuth", "wrong_key_usage", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(clientCa).dns("svc.example.com").build(), clientCa), List.of(root));
        Issued sha1Inter = ca("sha1 intermediate").issuer(root).sha1().build();
        add("intermediate signed with SHA-1", "weak_signature", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(sha1Inter).dns("svc.example.com").build(), sha1Inter), List.of(root));
        add("leaf signed with SHA-1", "weak_signature", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(inter).dns("svc.example.com").sha1().build(), inter), List.of(root));
        add("unknown critical extension on the leaf", "invalid_certificate", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(inter).dns("svc.example.com").extraExtension("1.2.3.4.5", true).build(),
                inter), List.of(root));
        add("unknown non-critical extension on the leaf", "ok", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(inter).dns("svc.example.com").extraExtension("1.2.3.4.5", false).build(),
                inter), List.of(root));
        Issued oddRoot = ca("root with a critical unknown").extraExtension("1.2.3.4.6", true).build();
        Issued underOdd = ca("under odd root").issuer(oddRoot).build();
        add("unknown critical extension on the trusted root", "invalid_certificate", "svc.example.com",
            List.of(TestPki.cert("svc").issuer(underOdd).dns("svc.example.com").build(), underOdd), List.of(oddRoot));
    }

    private void bounds() {
        Issued root = ca("deep root").build();
        List<Issued> chain = new ArrayList<>();
        Issued issuer = root;
        for (int i = 0; i < 199; i++) {
            issuer = ca("deep " + i).issuer(issuer).build();
            chain.add(0, issuer);
        }
        chain.add(0, TestPki.cert("svc").issuer(issuer).dns("svc.example.com").build());
        add("200-certificate chain", "chain_too_long", "svc.example.com", chain, List.of(root));
    }
}
