package dev.vigil.tls;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The verdict on a presented chain, computed by vigil itself after a handshake that never aborts, so that every
 * outcome keeps the certificates. {@link PathBuilder} finds every path from the leaf to a trust anchor (whatever the
 * order and the extra certificates the server sent), {@link PathRules} judges each by RFC 5280 and the TLS server
 * profile, and the verdict is:
 * <ol>
 *   <li>{@code ok} when a path breaks no rule and every certificate of it (the anchor included) is valid now, and
 *   the leaf's subject alternative names cover the host;</li>
 *   <li>else, for the most useful path (the first that breaks no rule, else the first found): {@code expired} or
 *   {@code not_yet_valid} when a certificate of it is out of its validity window, else the rule it breaks
 *   ({@code weak_signature}, {@code invalid_certificate}, {@code wrong_key_usage},
 *   {@code name_constraint_violation});</li>
 *   <li>when no path reaches an anchor: {@code expired}/{@code not_yet_valid} for a certificate of the longest
 *   partial path, else {@code chain_too_long} (a bound of the search was hit), {@code self_signed} (the leaf signs
 *   itself), {@code untrusted} (the chain ends in a CA nobody trusts) or {@code incomplete_chain} (a certificate
 *   whose issuer was not sent: usually a missing intermediate);</li>
 *   <li>{@code hostname_mismatch} when a path holds but the host is not among the leaf's SANs.</li>
 * </ol>
 * A leaf sent alone and signed directly by an unknown root reads as {@code incomplete_chain}: without fetching the
 * issuer nobody can tell a missing intermediate from an unknown root. The verdict never throws: what cannot be read
 * is {@code invalid_certificate} with the reason in its message.
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
    static final String NAME_CONSTRAINT_VIOLATION = "name_constraint_violation";
    static final String WRONG_KEY_USAGE = "wrong_key_usage";
    static final String WEAK_SIGNATURE = "weak_signature";
    static final String INVALID_CERTIFICATE = "invalid_certificate";
    static final String CHAIN_TOO_LONG = "chain_too_long";
    static final List<String> VERDICTS = List.of(OK, EXPIRED, NOT_YET_VALID, UNTRUSTED, SELF_SIGNED, HOSTNAME_MISMATCH,
        INCOMPLETE_CHAIN, NO_CERTIFICATE, NAME_CONSTRAINT_VIOLATION, WRONG_KEY_USAGE, WEAK_SIGNATURE,
        INVALID_CERTIFICATE, CHAIN_TOO_LONG);

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
        try {
            return judge(presented, anchors, expectedHost, now);
        } catch (RuntimeException e) {
            // a certificate object or the JDK surprised us: a verdict all the same, never an exception out of a probe
            return new Verdict(INVALID_CERTIFICATE, "the chain cannot be judged: " + e);
        }
    }

    private static Verdict judge(List<X509Certificate> presented, Collection<X509Certificate> anchors,
                                 String expectedHost, Date now) {
        Trust trust = trust(presented, anchors);
        long t = now.getTime();
        Candidate best = null;
        for (Candidate c : trust.paths()) {
            if (c.problem() == null && c.validFrom() <= t && t <= c.validUntil()) {
                return hostVerdict(trust, expectedHost);
            }
            if (best == null || (best.problem() != null && c.problem() == null)) {
                best = c;
            }
        }
        Verdict time = timeVerdict(best == null ? trust.walked() : best.certs(), now);
        if (time != null) {
            return time;
        }
        return best != null ? new Verdict(best.problem().reason(), best.problem().message())
            : new Verdict(trust.problem().reason(), trust.problem().message());
    }

    private static Verdict timeVerdict(List<X509Certificate> path, Date now) {
        for (X509Certificate c : path) {
            if (now.after(c.getNotAfter())) {
                return new Verdict(EXPIRED, "\"" + c.getSubjectX500Principal().getName() + "\" expired on "
                    + c.getNotAfter().toInstant());
            }
            if (now.before(c.getNotBefore())) {
                return new Verdict(NOT_YET_VALID, "\"" + c.getSubjectX500Principal().getName() + "\" is valid only from "
                    + c.getNotBefore().toInstant());
            }
        }
        return null;
    }

    private static Verdict hostVerdict(Trust trust, String expectedHost) {
        if (expectedHost != null && !expectedHost.isEmpty() && !matchesHost(trust.leafDns(), trust.leafIps(), expectedHost)) {
            return new Verdict(HOSTNAME_MISMATCH, "the certificate is not valid for \"" + expectedHost
                + "\": its subject alternative names " + trust.leafNames() + " do not cover it (RFC 6125; the CN is"
                + " not a name)");
        }
        return new Verdict(OK, "");
    }

    /**
     * One path to an anchor, its first broken rule (null when none) and the window in which all its certificates are
     * valid.
     */
    record Candidate(List<X509Certificate> certs, PathRules.Problem problem, long validFrom, long validUntil) {
    }

    /**
     * What does not depend on the time: every path to an anchor with the rules it breaks, or why there is none, and
     * the leaf's names. Signature checks are the costly part of a verdict, and the same chain comes back at every run
     * and from every backend, so this is cached by the chain's bytes and the identity of the anchor list (a changed
     * ca_file is a new list); a cache hit does no parsing and no signature check.
     *
     * @param paths    paths to an anchor, in the order found (empty when none)
     * @param walked   when there is no path: the longest partial path, leaf first
     * @param problem  when there is no path: why
     */
    record Trust(List<Candidate> paths, List<X509Certificate> walked, PathRules.Problem problem, List<String> leafDns,
                 List<byte[]> leafIps, String leafNames) {
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
        List<String> dns = List.of();
        List<byte[]> ips = List.of();
        String names = "(none)";
        try {
            CertificateDer der = CertificateDer.of(leaf);
            dns = der.dnsNames();
            ips = der.ipAddresses();
            names = der.names().isEmpty() ? "(none)" : der.names().stream().map(NameConstraints::show).toList().toString();
        } catch (RuntimeException e) {
            names = "(unreadable: " + e.getMessage() + ")";
        }
        try {
            PathBuilder.Paths built = PathBuilder.build(presented, anchors);
            List<Candidate> paths = new ArrayList<>();
            for (List<X509Certificate> path : built.anchored()) {
                long from = Long.MIN_VALUE;
                long until = Long.MAX_VALUE;
                for (X509Certificate c : path) {
                    from = Math.max(from, c.getNotBefore().getTime());
                    until = Math.min(until, c.getNotAfter().getTime());
                }
                paths.add(new Candidate(path, PathRules.check(path), from, until));
            }
            PathRules.Problem problem = paths.isEmpty() ? noPath(leaf, built) : null;
            return new Trust(List.copyOf(paths), built.deadEnd(), problem, dns, ips, names);
        } catch (RuntimeException e) {
            // the JDK or a certificate surprised us: still a verdict, never an exception out of the probe
            return new Trust(List.of(), List.of(leaf), new PathRules.Problem(INVALID_CERTIFICATE,
                "the chain cannot be judged: " + e), dns, ips, names);
        }
    }

    private static PathRules.Problem noPath(X509Certificate leaf, PathBuilder.Paths built) {
        if (built.bound() != null) {
            return new PathRules.Problem(CHAIN_TOO_LONG, "no path to a trusted CA was found within vigil's bounds: "
                + built.bound());
        }
        List<X509Certificate> walked = built.deadEnd().isEmpty() ? List.of(leaf) : built.deadEnd();
        X509Certificate end = walked.get(walked.size() - 1);
        if (CertificateFacts.isSelfIssued(end) && PathBuilder.signedBy(end, end)) {
            return end == leaf
                ? new PathRules.Problem(SELF_SIGNED, "the certificate is self-signed and not in the trusted CAs")
                : new PathRules.Problem(UNTRUSTED, "the chain ends in \"" + end.getSubjectX500Principal().getName()
                    + "\", which is not a trusted CA");
        }
        if (end != leaf && end.getBasicConstraints() >= 0) {
            return new PathRules.Problem(UNTRUSTED, "the chain ends in CA \"" + end.getSubjectX500Principal().getName()
                + "\", whose issuer \"" + end.getIssuerX500Principal().getName() + "\" is not a trusted CA");
        }
        return new PathRules.Problem(INCOMPLETE_CHAIN, "the issuer \"" + end.getIssuerX500Principal().getName()
            + "\" of \"" + end.getSubjectX500Principal().getName() + "\" was not sent and is not a trusted CA"
            + " (missing intermediate?)");
    }

    /** RFC 6125 against the leaf's own SAN bytes (see {@link CertificateDer}); no CN fallback. */
    static boolean matchesHost(X509Certificate leaf, String host) {
        CertificateDer der = CertificateDer.of(leaf);
        return matchesHost(der.dnsNames(), der.ipAddresses(), host);
    }

    /** DNS names with a wildcard in the left-most label only, IP literals against IP SANs. */
    static boolean matchesHost(List<String> dnsNames, List<byte[]> ipAddresses, String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (isIpLiteral(h)) {
            try {
                byte[] wanted = InetAddress.getByName(h).getAddress();
                for (byte[] ip : ipAddresses) {
                    if (Arrays.equals(ip, wanted)) {
                        return true;
                    }
                }
            } catch (UnknownHostException e) {
                return false;
            }
            return false;
        }
        String name = normalise(h);
        for (String dns : dnsNames) {
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

    static boolean isIpLiteral(String host) {
        return dev.vigil.net.Dialer.isIpLiteral(host);
    }
}
