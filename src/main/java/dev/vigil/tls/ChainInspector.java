package dev.vigil.tls;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The verdict on a presented chain, computed by vigil itself after a handshake that never aborts, so that every
 * outcome keeps the certificates. Order of the checks (the first that fails is the verdict):
 * <ol>
 *   <li>time: a certificate of the walked path is {@code expired} or {@code not_yet_valid};</li>
 *   <li>trust: the path from the leaf through the presented certificates reaches a trust anchor, else
 *   {@code self_signed} (the leaf signs itself), {@code untrusted} (the chain ends in a CA nobody trusts) or
 *   {@code incomplete_chain} (a certificate whose issuer was not sent: usually a missing intermediate);</li>
 *   <li>PKIX validation of that path (signatures, CA constraints, key usage, name constraints):
 *   {@code untrusted};</li>
 *   <li>the host name or IP address against the leaf's subject alternative names: {@code hostname_mismatch}.</li>
 * </ol>
 * A leaf sent alone and signed directly by an unknown root reads as {@code incomplete_chain}: without fetching the
 * issuer nobody can tell a missing intermediate from an unknown root.
 */
final class ChainInspector {
    static final String OK = "ok";
    static final String EXPIRED = "expired";
    static final String NOT_YET_VALID = "not_yet_valid";
    static final String UNTRUSTED = "untrusted";
    static final String SELF_SIGNED = "self_signed";
    static final String HOSTNAME_MISMATCH = "hostname_mismatch";
    static final String INCOMPLETE_CHAIN = "incomplete_chain";
    static final String NO_CERTIFICATE = "no_certificate";
    static final List<String> VERDICTS = List.of(OK, EXPIRED, NOT_YET_VALID, UNTRUSTED, SELF_SIGNED, HOSTNAME_MISMATCH,
        INCOMPLETE_CHAIN, NO_CERTIFICATE);

    record Verdict(String reason, String message) {
        boolean ok() {
            return OK.equals(reason);
        }
    }

    private ChainInspector() {
    }

    /**
     * @param presented    the chain in the order the server sent it, leaf first
     * @param anchors      trusted certificates (a CA bundle, or the JDK's cacerts)
     * @param expectedHost the name or IP literal the leaf must cover; null to skip the check
     */
    static Verdict inspect(List<X509Certificate> presented, Collection<X509Certificate> anchors, String expectedHost,
                           Date now) {
        if (presented.isEmpty()) {
            return new Verdict(NO_CERTIFICATE, "the server presented no certificate");
        }
        Trust trust = trust(presented, anchors);
        for (int i : trust.path()) {
            X509Certificate c = presented.get(i);
            if (now.after(c.getNotAfter())) {
                return new Verdict(EXPIRED, "\"" + c.getSubjectX500Principal().getName() + "\" expired on "
                    + c.getNotAfter().toInstant());
            }
            if (now.before(c.getNotBefore())) {
                return new Verdict(NOT_YET_VALID, "\"" + c.getSubjectX500Principal().getName() + "\" is valid only from "
                    + c.getNotBefore().toInstant());
            }
        }
        if (trust.problem() != null) {
            return new Verdict(trust.problem(), trust.message());
        }
        X509Certificate leaf = presented.get(0);
        if (expectedHost != null && !expectedHost.isEmpty() && !matchesHost(leaf, expectedHost)) {
            return new Verdict(HOSTNAME_MISMATCH, "the certificate is not valid for \"" + expectedHost + "\" (names: "
                + CertificateFacts.sans(leaf) + ")");
        }
        return new Verdict(OK, "");
    }

    /**
     * What does not depend on the time: the path from the leaf through the presented certificates to an anchor, and
     * the PKIX validation of it (at a date inside every validity window). Signature checks are the costly part of a
     * verdict, and the same chain comes back at every run and from every backend, so this is cached by the chain's
     * bytes and the identity of the anchor list (a changed ca_file is a new list).
     *
     * @param path indices into the presented chain, leaf first
     */
    record Trust(int[] path, String problem, String message) {
    }

    /** A chain (compared certificate by certificate: the same object, or the same bytes) and the anchor list. */
    private record TrustKey(List<X509Certificate> chain, Collection<X509Certificate> anchors) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TrustKey k && k.anchors == anchors && k.chain.equals(chain);
        }

        @Override
        public int hashCode() {
            return chain.hashCode() * 31 + System.identityHashCode(anchors);
        }
    }

    private static final int TRUST_CACHE_SIZE = 4096;
    private static final Map<TrustKey, Trust> TRUST_CACHE = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TrustKey, Trust> eldest) {
            return size() > TRUST_CACHE_SIZE;
        }
    };

    static Trust trust(List<X509Certificate> presented, Collection<X509Certificate> anchors) {
        TrustKey key = new TrustKey(List.copyOf(presented), anchors);
        synchronized (TRUST_CACHE) {
            Trust cached = TRUST_CACHE.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Trust computed = computeTrust(presented, anchors);
        synchronized (TRUST_CACHE) {
            TRUST_CACHE.put(key, computed);
        }
        return computed;
    }

    private static Trust computeTrust(List<X509Certificate> presented, Collection<X509Certificate> anchors) {
        X509Certificate leaf = presented.get(0);
        List<X509Certificate> path = new ArrayList<>();
        X509Certificate anchor = null;
        String trustProblem = null;
        String trustMessage = null;
        Set<X509Certificate> visited = new HashSet<>();
        X509Certificate current = leaf;
        while (true) {
            path.add(current);
            visited.add(current);
            if (anchors.contains(current)) {
                anchor = current;
                break;
            }
            X509Certificate issuerAnchor = issuerAmong(current, anchors);
            if (issuerAnchor != null) {
                anchor = issuerAnchor;
                break;
            }
            if (CertificateFacts.isSelfIssued(current) && signedBy(current, current)) {
                trustProblem = current == leaf ? SELF_SIGNED : UNTRUSTED;
                trustMessage = current == leaf ? "the certificate is self-signed and not in the trusted CAs"
                    : "the chain ends in \"" + current.getSubjectX500Principal().getName() + "\", which is not a trusted CA";
                break;
            }
            X509Certificate next = issuerAmong(current, presented);
            if (next == null || visited.contains(next)) {
                boolean sentCa = current != leaf && current.getBasicConstraints() >= 0;
                trustProblem = sentCa ? UNTRUSTED : INCOMPLETE_CHAIN;
                trustMessage = sentCa
                    ? "the chain ends in CA \"" + current.getSubjectX500Principal().getName() + "\", whose issuer \""
                        + current.getIssuerX500Principal().getName() + "\" is not a trusted CA"
                    : "the issuer \"" + current.getIssuerX500Principal().getName() + "\" of \""
                        + current.getSubjectX500Principal().getName() + "\" was not sent and is not a trusted CA"
                        + " (missing intermediate?)";
                break;
            }
            current = next;
        }
        int[] indices = new int[path.size()];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = indexOf(presented, path.get(i));
        }
        if (trustProblem == null) {
            String pkix = pkixProblem(path, anchor);
            if (pkix != null) {
                trustProblem = UNTRUSTED;
                trustMessage = pkix;
            }
        }
        return new Trust(indices, trustProblem, trustMessage);
    }

    private static int indexOf(List<X509Certificate> list, X509Certificate c) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == c) {
                return i;
            }
        }
        return 0;
    }

    private static X509Certificate issuerAmong(X509Certificate c, Collection<X509Certificate> candidates) {
        for (X509Certificate candidate : candidates) {
            if (candidate != c && candidate.getSubjectX500Principal().equals(c.getIssuerX500Principal())
                && signedBy(c, candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static boolean signedBy(X509Certificate c, X509Certificate issuer) {
        try {
            c.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Full PKIX validation of leaf..(certificate under the anchor); null when valid. Validity periods are judged by
     * {@link #inspect} at every run, so the validation date is one inside every period when there is one.
     */
    private static String pkixProblem(List<X509Certificate> path, X509Certificate anchor) {
        List<X509Certificate> certs = new ArrayList<>(path);
        certs.remove(anchor);
        if (certs.isEmpty()) {
            return null; // the leaf itself is trusted (pinned)
        }
        try {
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            Date latestStart = certs.stream().map(X509Certificate::getNotBefore).max(Date::compareTo).orElseThrow();
            Date earliestEnd = certs.stream().map(X509Certificate::getNotAfter).min(Date::compareTo).orElseThrow();
            params.setDate(latestStart.after(earliestEnd) ? new Date() : latestStart);
            CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(certs), params);
            return null;
        } catch (CertPathValidatorException e) {
            return "PKIX validation failed: " + e.getMessage();
        } catch (GeneralSecurityException e) {
            return "PKIX validation failed: " + e.getMessage();
        }
    }

    /** RFC 6125: DNS names with a wildcard in the left-most label only, IP literals against IP SANs; no CN fallback. */
    static boolean matchesHost(X509Certificate leaf, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (isIpLiteral(h)) {
            try {
                InetAddress wanted = InetAddress.getByName(h);
                for (String ip : CertificateFacts.ipAddresses(leaf)) {
                    if (InetAddress.getByName(ip).equals(wanted)) {
                        return true;
                    }
                }
            } catch (UnknownHostException e) {
                return false;
            }
            return false;
        }
        String name = normalise(h);
        for (String dns : CertificateFacts.dnsNames(leaf)) {
            if (dnsMatches(normalise(dns), name)) {
                return true;
            }
        }
        return false;
    }

    static boolean dnsMatches(String pattern, String name) {
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1);
            int firstDot = name.indexOf('.');
            return firstDot > 0 && name.substring(firstDot).equals(suffix) && suffix.indexOf('.', 1) > 0;
        }
        return pattern.equals(name);
    }

    private static String normalise(String name) {
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        try {
            n = IDN.toASCII(n, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            // keep as is
        }
        return n.toLowerCase(Locale.ROOT);
    }

    /** An IPv6 literal (any colon) or a dotted IPv4 address; on the path of every probe, so no regular expression. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                digits++;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }
}
