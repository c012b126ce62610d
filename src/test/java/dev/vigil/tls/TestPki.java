package dev.vigil.tls;

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
final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();

    record Issued(X509Certificate cert, KeyPair keys) {
        String pem() {
            return TestPki.pem("CERTIFICATE", encoded(cert));
        }

        String keyPem() {
            return TestPki.pem("PRIVATE KEY", keys.getPrivate().getEncoded());
        }
    }

    enum KeyType { RSA, EC }

    static KeyPair keys(KeyType type) {
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
    static final class Builder {
        private final String subject;
        private KeyPair keys;
        private Issued issuer;
        private Instant notBefore = Instant.now().minus(Duration.ofDays(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(90));
        private boolean ca;
        private final List<String> dns = new ArrayList<>();
        private final List<String> ips = new ArrayList<>();

        Builder(String subjectCn) {
            this.subject = "CN=" + subjectCn + ",O=vigil test";
        }

        Builder keys(KeyType t) {
            this.keys = TestPki.keys(t);
            return this;
        }

        Builder keys(KeyPair k) {
            this.keys = k;
            return this;
        }

        Builder issuer(Issued i) {
            this.issuer = i;
            return this;
        }

        Builder ca() {
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

        Issued build() {
            try {
                if (keys == null) {
                    keys = TestPki.keys(KeyType.EC);
                }
                X500Principal subjectName = new X500Principal(subject);
                X500Principal issuerName = issuer == null ? subjectName : issuer.cert().getSubjectX500Principal();
                PrivateKey signer = issuer == null ? keys.getPrivate() : issuer.keys().getPrivate();
                boolean rsa = signer.getAlgorithm().equals("RSA");
                byte[] algId = rsa ? Der.tlv(Der.SEQUENCE, Der.concat(oid("1.2.840.113549.1.1.11"), Der.tlv(Der.NULL, new byte[0])))
                    : Der.tlv(Der.SEQUENCE, oid("1.2.840.10045.4.3.2"));
                List<byte[]> exts = new ArrayList<>();
                exts.add(extension("2.5.29.19", true, Der.tlv(Der.SEQUENCE, ca ? new byte[] {0x01, 0x01, (byte) 0xff} : new byte[0])));
                exts.add(extension("2.5.29.15", true, ca ? new byte[] {0x03, 0x02, 0x01, 0x06} : new byte[] {0x03, 0x02, 0x07, (byte) 0x80}));
                if (!dns.isEmpty() || !ips.isEmpty()) {
                    List<byte[]> names = new ArrayList<>();
                    for (String d : dns) {
                        names.add(Der.tlv(0x82, d.getBytes(StandardCharsets.US_ASCII)));
                    }
                    for (String ip : ips) {
                        names.add(Der.tlv(0x87, InetAddress.getByName(ip).getAddress()));
                    }
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
                Signature s = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
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

    static Builder cert(String cn) {
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

    private static byte[] extension(String id, boolean critical, byte[] value) {
        return Der.tlv(Der.SEQUENCE, Der.concat(oid(id), critical ? new byte[] {0x01, 0x01, (byte) 0xff} : new byte[0],
            Der.tlv(Der.OCTET_STRING, value)));
    }

    static byte[] oid(String dotted) {
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

    static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }

    static Path write(Path dir, String name, String... pems) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("", pems));
        return p;
    }
}
