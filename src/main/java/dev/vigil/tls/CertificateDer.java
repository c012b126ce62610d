package dev.vigil.tls;

import dev.vigil.pki.Der;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What path validation needs of a certificate, read from its own DER bytes rather than from the JDK's accessors: the
 * JDK's name-constraints check adds names derived from the CN to the certificate's cached subject alternative names,
 * so anything read through {@code getSubjectAlternativeNames} after a PKIX check depends on whether that check ran.
 * Parsing the bytes once gives the same answer every time.
 *
 * @param version       1, 2 or 3
 * @param serial        the serial number's content octets (two's complement, as encoded)
 * @param signatureOid  the algorithm of the signature over this certificate
 * @param extensions    by OID, in certificate order
 * @param names         subject alternative names (empty when the extension is absent)
 * @param hasSan        whether the certificate carries a subject alternative name extension
 */
record CertificateDer(int version, byte[] serial, String signatureOid, Map<String, Extension> extensions,
                      List<GeneralName> names, boolean hasSan) {
    static final String BASIC_CONSTRAINTS = "2.5.29.19";
    static final String KEY_USAGE = "2.5.29.15";
    static final String EXT_KEY_USAGE = "2.5.29.37";
    static final String SUBJECT_ALT_NAME = "2.5.29.17";
    static final String NAME_CONSTRAINTS = "2.5.29.30";
    static final String SUBJECT_KEY_ID = "2.5.29.14";
    static final String AUTHORITY_KEY_ID = "2.5.29.35";

    record Extension(boolean critical, byte[] value) {
    }

    /**
     * One GeneralName (RFC 5280 4.2.1.6) by its context tag number: 0 otherName, 1 rfc822Name, 2 dNSName,
     * 3 x400Address, 4 directoryName, 5 ediPartyName, 6 URI, 7 iPAddress, 8 registeredID. {@code value} holds the
     * content octets (for a directoryName, the encoded Name).
     */
    record GeneralName(int type, byte[] value) {
        static final int OTHER = 0;
        static final int EMAIL = 1;
        static final int DNS = 2;
        static final int DIRECTORY = 4;
        static final int URI = 6;
        static final int IP = 7;
        static final List<String> TYPE_NAMES = List.of("otherName", "rfc822Name", "dNSName", "x400Address",
            "directoryName", "ediPartyName", "uniformResourceIdentifier", "iPAddress", "registeredID");

        String text() {
            return new String(value, java.nio.charset.StandardCharsets.ISO_8859_1);
        }

        String typeName() {
            return type < TYPE_NAMES.size() ? TYPE_NAMES.get(type) : "name type " + type;
        }
    }

    /** Parses the certificate's encoding; IllegalArgumentException when it is not the DER vigil understands. */
    static CertificateDer of(X509Certificate c) {
        byte[] der;
        try {
            der = c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot encode the certificate: " + e.getMessage(), e);
        }
        return parse(der);
    }

    static CertificateDer parse(byte[] der) {
        Der.Reader cert = new Der.Reader(der).next().content();
        Der.Reader tbs = cert.next().content();
        String signatureOid = oid(cert.next().content().next());
        int version = 1;
        if (tbs.peekTag() == 0xa0) {
            byte[] v = tbs.next().content().next().bytes();
            version = v.length == 1 ? v[0] + 1 : 0;
        }
        byte[] serial = tbs.next().bytes();
        for (int i = 0; i < 5; i++) {
            tbs.next(); // signature, issuer, validity, subject, subjectPublicKeyInfo
        }
        Map<String, Extension> extensions = new LinkedHashMap<>();
        while (tbs.hasMore()) {
            Der.Element e = tbs.next();
            if (e.tag() != 0xa3) {
                continue; // issuerUniqueID, subjectUniqueID
            }
            Der.Reader list = e.content().next().content();
            while (list.hasMore()) {
                Der.Reader ext = list.next().content();
                String id = oid(ext.next());
                boolean critical = false;
                if (ext.peekTag() == 0x01) {
                    byte[] b = ext.next().bytes();
                    critical = b.length == 1 && b[0] != 0;
                }
                if (extensions.putIfAbsent(id, new Extension(critical, ext.next().bytes())) != null) {
                    throw new IllegalArgumentException("extension " + id + " appears twice (RFC 5280 4.2)");
                }
            }
        }
        Extension san = extensions.get(SUBJECT_ALT_NAME);
        List<GeneralName> names = san == null ? List.of() : generalNames(new Der.Reader(san.value()).next().content());
        return new CertificateDer(version, serial, signatureOid, extensions, names, san != null);
    }

    static List<GeneralName> generalNames(Der.Reader r) {
        List<GeneralName> out = new ArrayList<>();
        while (r.hasMore()) {
            out.add(generalName(r.next()));
        }
        return out;
    }

    static GeneralName generalName(Der.Element e) {
        int type = e.tag() & 0x1f;
        if ((e.tag() & 0xc0) != 0x80) {
            throw new IllegalArgumentException("a GeneralName with a tag that is not context-specific");
        }
        // directoryName is an explicit tag around a Name: keep the Name's own encoding
        byte[] value = type == GeneralName.DIRECTORY ? e.content().next().encoded() : e.bytes();
        return new GeneralName(type, value);
    }

    /** The basicConstraints extension: null when absent, else {cA, pathLenConstraint or -1}. */
    int[] basicConstraints() {
        Extension bc = extensions.get(BASIC_CONSTRAINTS);
        if (bc == null) {
            return null;
        }
        Der.Reader r = new Der.Reader(bc.value()).next().content();
        boolean ca = false;
        int pathLen = -1;
        if (r.hasMore() && r.peekTag() == 0x01) {
            byte[] b = r.next().bytes();
            ca = b.length == 1 && b[0] != 0;
        }
        if (r.hasMore() && r.peekTag() == Der.INTEGER) {
            pathLen = new java.math.BigInteger(r.next().bytes()).min(java.math.BigInteger.valueOf(1000)).intValue();
        }
        return new int[] {ca ? 1 : 0, pathLen};
    }

    /** keyUsage bit {@code bit} (0 digitalSignature ... 5 keyCertSign); true when the extension is absent. */
    boolean keyUsageAllows(int bit) {
        Extension ku = extensions.get(KEY_USAGE);
        if (ku == null) {
            return true;
        }
        byte[] bits = new Der.Reader(ku.value()).next().bytes();
        int index = 1 + bit / 8;
        return index < bits.length && (bits[index] & (0x80 >> (bit % 8))) != 0;
    }

    /** The extended key usage OIDs, or null when the extension is absent. */
    List<String> extendedKeyUsages() {
        Extension eku = extensions.get(EXT_KEY_USAGE);
        if (eku == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        Der.Reader r = new Der.Reader(eku.value()).next().content();
        while (r.hasMore()) {
            out.add(oid(r.next()));
        }
        return out;
    }

    byte[] subjectKeyId() {
        Extension ski = extensions.get(SUBJECT_KEY_ID);
        return ski == null ? null : new Der.Reader(ski.value()).next().bytes();
    }

    byte[] authorityKeyId() {
        Extension aki = extensions.get(AUTHORITY_KEY_ID);
        if (aki == null) {
            return null;
        }
        Der.Reader r = new Der.Reader(aki.value()).next().content();
        if (r.hasMore() && r.peekTag() == 0x80) {
            return r.next().bytes();
        }
        return null;
    }

    List<String> dnsNames() {
        return names.stream().filter(n -> n.type() == GeneralName.DNS).map(GeneralName::text).toList();
    }

    List<byte[]> ipAddresses() {
        return names.stream().filter(n -> n.type() == GeneralName.IP).map(GeneralName::value).toList();
    }

    static String oid(Der.Element e) {
        if (e.tag() != Der.OID) {
            throw new IllegalArgumentException("expected an OBJECT IDENTIFIER, found tag " + e.tag());
        }
        byte[] b = e.bytes();
        StringBuilder s = new StringBuilder();
        long value = 0;
        boolean first = true;
        for (byte x : b) {
            value = (value << 7) | (x & 0x7f);
            if ((x & 0x80) == 0) {
                if (first) {
                    int arc = (int) Math.min(value / 40, 2);
                    s.append(arc).append('.').append(value - arc * 40L);
                    first = false;
                } else {
                    s.append('.').append(value);
                }
                value = 0;
            }
        }
        return s.toString();
    }
}
