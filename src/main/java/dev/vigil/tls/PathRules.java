package dev.vigil.tls;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RFC 5280 path validation of one built path (leaf first, trust anchor last; signatures were checked while building
 * it), with the rules of the TLS server profile that Go and pyca/cryptography apply, except time (judged at every run
 * by {@link ChainInspector}). The first rule broken is the answer; its message names the certificate and the rule.
 * In order:
 * <ol>
 *   <li>{@code weak_signature}: a certificate below the anchor is signed with SHA-1 or MD5 (the anchor's own
 *   self-signature is not used by anyone);</li>
 *   <li>{@code invalid_certificate}: an unknown critical extension (anchor included), an issuer that is not a CA
 *   (basicConstraints), a pathLenConstraint exceeded, a serial number that is not positive or longer than 20 octets;</li>
 *   <li>{@code wrong_key_usage}: an issuer whose key usage lacks keyCertSign, a leaf whose extended key usage lacks
 *   serverAuth (absent and anyExtendedKeyUsage allow it), a CA whose extended key usage excludes serverAuth (the
 *   nesting Go enforces);</li>
 *   <li>{@code name_constraint_violation}: a name of a certificate outside the name constraints of a CA above it,
 *   the anchor's constraints included.</li>
 * </ol>
 */
final class PathRules {
    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String ANY_EKU = "2.5.29.37.0";
    private static final Map<String, String> WEAK = Map.of(
        "1.2.840.113549.1.1.2", "MD2withRSA",
        "1.2.840.113549.1.1.4", "MD5withRSA",
        "1.2.840.113549.1.1.5", "SHA1withRSA",
        "1.3.14.3.2.29", "SHA1withRSA",
        "1.2.840.10045.4.1", "SHA1withECDSA",
        "1.2.840.10040.4.3", "SHA1withDSA");
    /** Extensions vigil (or the handshake) processes; any other marked critical fails the certificate. */
    static final Set<String> KNOWN = Set.of(CertificateDer.BASIC_CONSTRAINTS, CertificateDer.KEY_USAGE,
        CertificateDer.EXT_KEY_USAGE, CertificateDer.SUBJECT_ALT_NAME, CertificateDer.NAME_CONSTRAINTS,
        CertificateDer.SUBJECT_KEY_ID, CertificateDer.AUTHORITY_KEY_ID,
        "2.5.29.32", "2.5.29.33", "2.5.29.36", "2.5.29.54"); // certificate policies, mappings, constraints, inhibit

    record Problem(String reason, String message) {
    }

    private PathRules() {
    }

    /** @return null when the path holds, else the first rule it breaks */
    static Problem check(List<X509Certificate> path) {
        if (path.size() == 1) {
            return null; // a pinned certificate is trusted as it is
        }
        CertificateDer[] der = new CertificateDer[path.size()];
        for (int i = 0; i < der.length; i++) {
            try {
                der[i] = CertificateDer.of(path.get(i));
            } catch (RuntimeException e) {
                return new Problem(ChainInspector.INVALID_CERTIFICATE, name(path.get(i))
                    + " cannot be read as an X.509 certificate (RFC 5280 4.1): " + e.getMessage());
            }
        }
        int anchor = path.size() - 1;
        for (int i = 0; i < anchor; i++) {
            String weak = WEAK.get(der[i].signatureOid());
            if (weak != null) {
                return new Problem(ChainInspector.WEAK_SIGNATURE, name(path.get(i)) + " is signed with " + weak
                    + ": clients refuse SHA-1 and MD5 signatures in a chain");
            }
        }
        try {
            Problem p = structure(path, der);
            if (p == null) {
                p = keyUsage(path, der);
            }
            if (p == null) {
                p = nameConstraints(path, der);
            }
            return p;
        } catch (RuntimeException e) {
            return new Problem(ChainInspector.INVALID_CERTIFICATE, "an extension of the chain cannot be read"
                + " (RFC 5280 4.2): " + e);
        }
    }

    private static Problem structure(List<X509Certificate> path, CertificateDer[] der) {
        int anchor = path.size() - 1;
        for (int i = 0; i <= anchor; i++) {
            for (Map.Entry<String, CertificateDer.Extension> e : der[i].extensions().entrySet()) {
                if (e.getValue().critical() && !KNOWN.contains(e.getKey())) {
                    return new Problem(ChainInspector.INVALID_CERTIFICATE, name(path.get(i))
                        + " has an unknown critical extension " + e.getKey() + " (RFC 5280 4.2)");
                }
            }
            if (i < anchor) {
                byte[] serial = der[i].serial();
                if (serial.length > 20 || serial.length == 0 || (serial[0] & 0x80) != 0 || isZero(serial)) {
                    return new Problem(ChainInspector.INVALID_CERTIFICATE, name(path.get(i))
                        + " has a serial number that is not a positive integer of at most 20 octets (RFC 5280 4.1.2.2)");
                }
            }
        }
        int intermediatesBelow = 0;
        for (int i = 1; i <= anchor; i++) {
            int[] bc = der[i].basicConstraints();
            boolean v1Anchor = i == anchor && der[i].version() < 3;
            if (!v1Anchor && (bc == null || bc[0] == 0)) {
                return new Problem(ChainInspector.INVALID_CERTIFICATE, name(path.get(i)) + " issued "
                    + name(path.get(i - 1)) + " but is not a CA: its basicConstraints lacks cA=true (RFC 5280 4.2.1.9)");
            }
            if (bc != null && bc[1] >= 0 && intermediatesBelow > bc[1]) {
                return new Problem(ChainInspector.INVALID_CERTIFICATE, name(path.get(i)) + " allows "
                    + bc[1] + " intermediate(s) below it (pathLenConstraint) and has " + intermediatesBelow
                    + " (RFC 5280 4.2.1.9)");
            }
            if (!CertificateFacts.isSelfIssued(path.get(i))) {
                intermediatesBelow++;
            }
        }
        return null;
    }

    private static Problem keyUsage(List<X509Certificate> path, CertificateDer[] der) {
        int anchor = path.size() - 1;
        for (int i = 1; i <= anchor; i++) {
            if (!der[i].keyUsageAllows(5)) {
                return new Problem(ChainInspector.WRONG_KEY_USAGE, name(path.get(i))
                    + " issued a certificate but its key usage lacks keyCertSign (RFC 5280 4.2.1.3)");
            }
        }
        List<String> leafEku = der[0].extendedKeyUsages();
        if (leafEku != null && !leafEku.contains(SERVER_AUTH) && !leafEku.contains(ANY_EKU)) {
            return new Problem(ChainInspector.WRONG_KEY_USAGE, "the leaf " + name(path.get(0))
                + " has an extended key usage " + leafEku + " without serverAuth (RFC 5280 4.2.1.12): TLS clients"
                + " refuse it for a server");
        }
        for (int i = 1; i < anchor; i++) {
            List<String> eku = der[i].extendedKeyUsages();
            if (eku != null && !eku.contains(SERVER_AUTH) && !eku.contains(ANY_EKU)) {
                return new Problem(ChainInspector.WRONG_KEY_USAGE, "CA " + name(path.get(i))
                    + " restricts extended key usage to " + eku + ", without serverAuth, so the leaf under it"
                    + " cannot serve TLS (EKU nesting, as Go enforces)");
            }
        }
        return null;
    }

    private static Problem nameConstraints(List<X509Certificate> path, CertificateDer[] der) {
        int anchor = path.size() - 1;
        for (int i = 1; i <= anchor; i++) {
            CertificateDer.Extension nc = der[i].extensions().get(CertificateDer.NAME_CONSTRAINTS);
            if (nc == null) {
                continue;
            }
            NameConstraints constraints = NameConstraints.parse(nc.value());
            for (int j = i - 1; j >= 0; j--) {
                if (j > 0 && CertificateFacts.isSelfIssued(path.get(j))) {
                    continue; // RFC 5280 6.1.3 (b): self-issued intermediates are exempt
                }
                String why = constraints.violation(path.get(j).getSubjectX500Principal(), der[j]);
                if (why != null) {
                    return new Problem(ChainInspector.NAME_CONSTRAINT_VIOLATION, name(path.get(j)) + ": " + why
                        + " of " + (i == anchor ? "trusted CA " : "CA ") + name(path.get(i)) + " (RFC 5280 4.2.1.10)");
                }
            }
        }
        return null;
    }

    private static boolean isZero(byte[] serial) {
        for (byte b : serial) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    static String name(X509Certificate c) {
        return "\"" + c.getSubjectX500Principal().getName() + "\"";
    }
}
