package dev.vigil.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/** The facts of one certificate that go into labels: names, serial, fingerprint, SANs, key, signature. */
record CertificateFacts(String subjectCn, String issuerCn, String serial, String fingerprintSha256, String sans,
                        String keyType, int keyBits, String signatureAlgorithm, double notBefore, double notAfter,
                        boolean selfSigned, boolean ca, String subject, String issuer) {
    /** Label values are capped: a certificate with 500 SANs must not make a 20 KB label. */
    static final int MAX_LABEL = dev.vigil.probe.SeriesLimits.MAX_LABEL_VALUE_LENGTH;
    private static final int CACHE_SIZE = 8192;
    /**
     * The same certificates come back at every run: their facts are kept by certificate (equal when their bytes are;
     * presented certificates are canonical objects, see {@link RecordingTrustManager}, so usually the same object).
     */
    private static final Map<X509Certificate, CertificateFacts> CACHE = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<X509Certificate, CertificateFacts> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    static CertificateFacts of(X509Certificate c) {
        synchronized (CACHE) {
            CertificateFacts cached = CACHE.get(c);
            if (cached != null) {
                return cached;
            }
        }
        String fingerprint = fingerprint(c);
        CertificateFacts f = new CertificateFacts(cn(c.getSubjectX500Principal()), cn(c.getIssuerX500Principal()),
            c.getSerialNumber().toString(16), fingerprint, sans(c), keyType(c.getPublicKey()),
            keyBits(c.getPublicKey()), c.getSigAlgName(), c.getNotBefore().getTime() / 1000.0,
            c.getNotAfter().getTime() / 1000.0, isSelfIssued(c), c.getBasicConstraints() >= 0,
            c.getSubjectX500Principal().getName(), c.getIssuerX500Principal().getName());
        synchronized (CACHE) {
            CACHE.put(c, f);
        }
        return f;
    }

    /** leaf, intermediate or root, by place in a presented chain (index 0 is the leaf) and self-issuance. */
    String position(int index) {
        if (index == 0) {
            return "leaf";
        }
        return selfSigned ? "root" : "intermediate";
    }

    static String cn(X500Principal p) {
        try {
            List<Rdn> rdns = new LdapName(p.getName(X500Principal.RFC2253)).getRdns();
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
                    return cap(String.valueOf(rdns.get(i).getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return "";
        }
        return "";
    }

    static boolean isSelfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    static String fingerprint(X509Certificate c) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            return "";
        }
    }

    /** DNS names, IP addresses, e-mail addresses and URIs, comma separated, in certificate order. */
    static String sans(X509Certificate c) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = c.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> san : all) {
                    Object type = san.get(0);
                    Object value = san.get(1);
                    if (value instanceof String s && type instanceof Integer t && (t == 1 || t == 2 || t == 6 || t == 7)) {
                        out.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "";
        }
        return cap(String.join(",", out));
    }

    static List<String> dnsNames(X509Certificate c) {
        return sanValues(c, 2);
    }

    static List<String> ipAddresses(X509Certificate c) {
        return sanValues(c, 7);
    }

    private static List<String> sanValues(X509Certificate c, int wanted) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> all = c.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> san : all) {
                    if (san.get(0) instanceof Integer t && t == wanted && san.get(1) instanceof String s) {
                        out.add(s);
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of();
        }
        return out;
    }

    static String keyType(PublicKey k) {
        return switch (k.getAlgorithm()) {
            case "EC" -> "ECDSA";
            case "EdDSA" -> k.getFormat() != null && k.getEncoded().length > 44 ? "Ed448" : "Ed25519";
            default -> k.getAlgorithm();
        };
    }

    static int keyBits(PublicKey k) {
        if (k instanceof RSAPublicKey rsa) {
            return rsa.getModulus().bitLength();
        }
        if (k instanceof ECPublicKey ec) {
            return ec.getParams().getCurve().getField().getFieldSize();
        }
        if ("EdDSA".equals(k.getAlgorithm()) || "Ed25519".equals(k.getAlgorithm())) {
            return k.getEncoded().length > 44 ? 456 : 255;
        }
        return 0;
    }

    static String cap(String s) {
        return dev.vigil.probe.SeriesLimits.cap(s);
    }
}
