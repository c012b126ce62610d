package dev.vigil.tls;

import dev.vigil.pki.Der;
import dev.vigil.pki.Certificates;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * Certificates made in the test (no fixture to rot): CAs, intermediates and leaves with any validity window, RSA or
 * ECDSA keys, DNS and IP subject alternative names. Encodes X.509 v3 with vigil's own DER helper and signs with the
 * JDK.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    public record Issued(X509Certificate cert, KeyPair keys) {
        public String pem() {
            return TestPki.pem("CERTIFICATE", encoded(cert));
        }

        public String keyPem() {
            return TestPki.pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }
    }

    public enum KeyType { RSA, EC }

    public static KeyPair keys(KeyType type) {
        try {
            if (type == KeyType.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                return g.generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fluent certificate description. */
    public static final class Builder {
        private final String subject;
        private KeyPair keys;
        private Issued issuer;
        private Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(90));
        private boolean ca;
        private final List<String> dns = new ArrayList<>();
        private final List<String> ips = new ArrayList<>();
        private final List<byte[]> otherSans = new ArrayList<>();
        private final List<byte[]> extraExtensions = new ArrayList<>();
        private List<String> eku;
        private byte[] nameConstraints;
        private int pathLen = -1;
        private boolean sha1;
        private boolean keyIds = true;
        private boolean keyUsage = true;

        Builder(String subjectCn) {
            this.subject = "CN=" + subjectCn + ",O=vigil test";
        }

        public Builder keys(KeyType t) {
            this.keys = TestPki.keys(t);
            return this;
        }

        Builder keys(KeyPair k) {
            this.keys = k;
            return this;
        }

        public Builder issuer(Issued i) {
            this.issuer = i;
            return this;
        }

        public Builder ca() {
            this.ca = true;
            return this;
        }

        Builder valid(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        Builder dns(String... names) {
            dns.addAll(List.of(names));
            return this;
        }

        Builder ip(String... addresses) {
            ips.addAll(List.of(addresses));
            return this;
        }

        /** Extended key usage OIDs (serverAuth 1.3.6.1.5.5.7.3.1, clientAuth ...3.2, any 2.5.29.37.0). */
        Builder eku(String... oids) {
            this.eku = List.of(oids);
            return this;
        }

        /** A critical name constraints extension, built with {@link #subtrees}. */
        Builder nameConstraints(byte[] permitted, byte[] excluded) {
            byte[] p = permitted == null ? new byte[0] : Der.tlv(0xa0, permitted);
            byte[] x = excluded == null ? new byte[0] : Der.tlv(0xa1, excluded);
            this.nameConstraints = Der.tlv(Der.SEQUENCE, Der.concat(p, x));
            return this;
        }

        Builder pathLen(int n) {
            this.pathLen = n;
            return this;
        }

        /** Signed with SHA-1 (SHA1withRSA or SHA1withECDSA by the issuer's key). */
        Builder sha1() {
            this.sha1 = true;
            return this;
        }

        Builder withoutKeyIds() {
            this.keyIds = false;
            return this;
        }

        Builder withoutKeyUsage() {
            this.keyUsage = false;
            return this;
        }

        /** An extension of the given OID, with an empty SEQUENCE as value. */
        Builder extraExtension(String oid, boolean critical) {
            extraExtensions.add(TestPki.extension(oid, critical, Der.tlv(Der.SEQUENCE, new byte[0])));
            return this;
        }

        /** An otherName SAN (a UTF8String under the given type OID, e.g. 1.3.6.1.4.1.311.20.2.3 UPN). */
        Builder otherName(String typeOid, String value) {
            otherSans.add(otherNameValue(typeOid, value));
            return this;
        }

        public Issued build() {
            try {
                if (keys == null) {
                    keys = TestPki.keys(KeyType.EC);
                }
                X500Principal subjectName = new X500Principal(subject);
                X500Principal issuerName = issuer == null ? subjectName : issuer.cert().getSubjectX500Principal();
                PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
                boolean rsa = signer.getAlgorithm().equals("RSA");
                String algOid = rsa ? (sha1 ? "1.2.840.113549.1.1.5" : "1.2.840.113549.1.1.11")
                    : (sha1 ? "1.2.840.10045.4.1" : "1.2.840.10045.4.3.2");
                byte[] algId = rsa ? Der.tlv(Der.SEQUENCE, Der.concat(oid(algOid), Der.tlv(Der.NULL, new byte[0])))
                    : Der.tlv(Der.SEQUENCE, oid(algOid));
                List<byte[]> exts = new ArrayList<>();
                byte[] bc = ca ? new byte[] {0x01, 0x01, (byte) 0xff} : new byte[0];
                if (ca && pathLen >= 0) {
                    bc = Der.concat(bc, Der.tlv(Der.INTEGER, BigInteger.valueOf(pathLen).toByteArray()));
                }
                exts.add(extension("2.5.29.19", true, Der.tlv(Der.SEQUENCE, bc)));
                if (keyUsage) {
                    exts.add(extension("2.5.29.15", true, ca ? new byte[] {0x03, 0x02, 0x01, 0x06} : new byte[] {0x03, 0x02, 0x07, (byte) 0x80}));
                }
                if (keyIds) {
                    exts.add(extension("2.5.29.14", false, Der.tlv(Der.OCTET_STRING, keyId(keys.getPublic()))));
                    PublicKey issuerKey = issuer == null ? keys.getPublic() : issuer.keys().getPublic();
                    exts.add(extension("2.5.29.35", false, Der.tlv(Der.SEQUENCE, Der.tlv(0x80, keyId(issuerKey)))));
                }
                if (eku != null) {
                    byte[][] ids = eku.stream().map(TestPki::oid).toArray(byte[][]::new);
                    exts.add(extension("2.5.29.37", false, Der.tlv(Der.SEQUENCE, Der.concat(ids))));
                }
                if (nameConstraints != null) {
                    exts.add(extension("2.5.29.30", true, nameConstraints));
                }
                exts.addAll(extraExtensions);
                if (!dns.isEmpty() || !ips.isEmpty() || !otherSans.isEmpty()) {
                    List<byte[]> names = new ArrayList<>();
                    for (String d : dns) {
                        names.add(Der.tlv(0x82, d.getBytes(StandardCharsets.US_ASCII)));
                    }
                    for (String ip : ips) {
                        names.add(Der.tlv(0x87, InetAddress.getByName(ip).getAddress()));
                    }
                    names.addAll(otherSans);
                    exts.add(extension("2.5.29.17", false, Der.tlv(Der.SEQUENCE, Der.concat(names.toArray(new byte[0][])))));
                }
                byte[] tbs = Der.tlv(Der.SEQUENCE, Der.concat(
                    Der.tlv(0xa0, Der.tlv(Der.INTEGER, new byte[] {2})),
                    Der.tlv(Der.INTEGER, new BigInteger(63, RANDOM).add(BigInteger.ONE).toByteArray()),
                    algId,
                    issuerName.getEncoded(),
                    Der.tlv(Der.SEQUENCE, Der.concat(time(notBefore), time(notAfter))),
                    subjectName.getEncoded(),
                    keys.getPublic().getEncoded(),
                    Der.tlv(0xa3, Der.tlv(Der.SEQUENCE, Der.concat(exts.toArray(new byte[0][]))))));
                Signature s = Signature.getInstance((sha1 ? "SHA1" : "SHA256") + (rsa ? "withRSA" : "withECDSA"));
                s.initSign(signer);
                s.update(tbs);
                byte[] sig = s.sign();
                byte[] bits = new byte[sig.length + 1];
                System.arraycopy(sig, 0, bits, 1, sig.length);
                byte[] cert = Der.tlv(Der.SEQUENCE, Der.concat(tbs, algId, Der.tlv(0x03, bits)));
                return new Issued(CertificateFiles.der(cert), keys);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public static Builder cert(String cn) {
        return new Builder(cn);
    }

    /** A root, an intermediate and the leaf for localhost/127.0.0.1 under it: the usual shape. */
    record Hierarchy(Issued root, Issued intermediate) {
        static Hierarchy create(KeyType type) {
            Issued root = cert("vigil test root").keys(type).ca().build();
            Issued intermediate = cert("vigil test intermediate").keys(type).ca().issuer(root).build();
            return new Hierarchy(root, intermediate);
        }

        Builder leaf(String cn) {
            return cert(cn).issuer(intermediate);
        }
    }

    /** RFC 5280 method (1)-like key identifier: SHA-1 of the encoded public key. */
    static byte[] keyId(PublicKey k) {
        try {
            return java.util.Arrays.copyOf(java.security.MessageDigest.getInstance("SHA-1").digest(k.getEncoded()), 20);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GeneralSubtrees content: DNS names ("dns:example.com"), IP ranges ("ip:127.0.0.0/24"), otherName ("other:OID"). */
    static byte[] subtrees(String... bases) {
        List<byte[]> out = new ArrayList<>();
        for (String b : bases) {
            byte[] name;
            if (b.startsWith("dns:")) {
                name = Der.tlv(0x82, b.substring(4).getBytes(StandardCharsets.US_ASCII));
            } else if (b.startsWith("ip:")) {
                String[] parts = b.substring(3).split("/");
                try {
                    byte[] addr = InetAddress.getByName(parts[0]).getAddress();
                    byte[] mask = new byte[addr.length];
                    int bits = Integer.parseInt(parts[1]);
                    for (int i = 0; i < bits; i++) {
                        mask[i / 8] |= (byte) (0x80 >> (i % 8));
                    }
                    name = Der.tlv(0x87, Der.concat(addr, mask));
                } catch (IOException e) {
                    throw new IllegalArgumentException(e);
                }
            } else if (b.startsWith("other:")) {
                name = otherNameValue(b.substring(6), "");
            } else {
                throw new IllegalArgumentException(b);
            }
            out.add(Der.tlv(Der.SEQUENCE, name));
        }
        return Der.concat(out.toArray(new byte[0][]));
    }

    private static byte[] otherNameValue(String typeOid, String value) {
        return Der.tlv(0xa0, Der.concat(oid(typeOid), Der.tlv(0xa0, Der.tlv(0x0c, value.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return Der.tlv(Der.SEQUENCE, Der.concat(oid(id), critical ? new byte[] {0x01, 0x01, (byte) 0xff} : new byte[0],
            Der.tlv(Der.OCTET_STRING, value)));
    }

    public static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            long v = Long.parseLong(parts[i]);
            byte[] tmp = new byte[10];
            int n = 0;
            do {
                tmp[n++] = (byte) (v & 0x7f);
                v >>= 7;
            } while (v > 0);
            for (int j = n - 1; j >= 0; j--) {
                out.write(tmp[j] | (j > 0 ? 0x80 : 0));
            }
        }
        return Der.tlv(Der.OID, out.toByteArray());
    }

    private static byte[] time(Instant t) {
        var z = t.atZone(ZoneOffset.UTC);
        if (z.getYear() < 2050 && z.getYear() >= 1950) {
            return Der.tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII));
        }
        return Der.tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(z).getBytes(StandardCharsets.US_ASCII));
    }

    public static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    static Path write(Path dir, String name, String... pems) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("", pems));
        return p;
    }
}
