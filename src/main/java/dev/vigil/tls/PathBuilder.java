package dev.vigil.tls;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * Every path from the leaf to a trust anchor that the presented certificates and the anchors allow, as clients build
 * them: a certificate's issuer is any presented certificate or anchor whose subject is its issuer name and whose key
 * verifies its signature, whatever the order the server sent them in. Several candidates are all tried (cross-signed
 * intermediates, an expired and a renewed intermediate of the same name), so the validator can pick a path that holds.
 * Anchors are tried before presented certificates (the shortest path), and within each group a candidate whose
 * subject key identifier is the child's authority key identifier comes first.
 *
 * <p>Bounded like Go's and pyca's builders: at most {@link #MAX_CERTS} certificates on a path,
 * {@link #MAX_ISSUERS_PER_STEP} issuer candidates per certificate, {@link #MAX_SIGNATURE_CHECKS} signature checks and
 * {@link #MAX_PATHS} complete paths per chain. A bound that cut the search is reported, so "no path" can be told from
 * "gave up".
 */
final class PathBuilder {
    /** Leaf, up to 8 intermediates (pyca's default depth) and the anchor. */
    static final int MAX_CERTS = 10;
    static final int MAX_ISSUERS_PER_STEP = 8;
    /** Go's limit ({@code maxChainSignatureChecks}). */
    static final int MAX_SIGNATURE_CHECKS = 100;
    static final int MAX_PATHS = 8;

    /**
     * @param anchored  complete paths, leaf first, anchor last (a pinned leaf is a path of one)
     * @param deadEnd   the longest path that found no issuer (leaf first), empty when there was none
     * @param bound     which bound cut the search, or null
     */
    record Paths(List<List<X509Certificate>> anchored, List<X509Certificate> deadEnd, String bound) {
    }

    private final List<X509Certificate> presented;
    private final Set<X509Certificate> anchorSet;
    private final Map<X500Principal, List<X509Certificate>> anchorsBySubject = new HashMap<>();
    private final Map<Link, Boolean> verified = new HashMap<>();
    private final Map<X509Certificate, CertificateDer> parsed = new HashMap<>();
    private final List<List<X509Certificate>> anchored = new ArrayList<>();
    private List<X509Certificate> deadEnd = List.of();
    private String bound;
    private int signatureChecks;

    private record Link(X509Certificate child, X509Certificate issuer) {
    }

    private PathBuilder(List<X509Certificate> presented, Collection<X509Certificate> anchors) {
        this.presented = presented;
        this.anchorSet = new HashSet<>(anchors);
        for (X509Certificate a : anchors) {
            anchorsBySubject.computeIfAbsent(a.getSubjectX500Principal(), k -> new ArrayList<>(1)).add(a);
        }
    }

    static Paths build(List<X509Certificate> presented, Collection<X509Certificate> anchors) {
        PathBuilder b = new PathBuilder(presented, anchors);
        X509Certificate leaf = presented.get(0);
        if (b.anchorSet.contains(leaf)) {
            b.anchored.add(List.of(leaf)); // pinned: the leaf itself is trusted as is
        } else {
            List<X509Certificate> path = new ArrayList<>();
            path.add(leaf);
            b.extend(path);
        }
        return new Paths(List.copyOf(b.anchored), b.deadEnd, b.bound);
    }

    private void extend(List<X509Certificate> path) {
        X509Certificate current = path.get(path.size() - 1);
        List<X509Certificate> candidates = candidates(current);
        if (candidates.size() > MAX_ISSUERS_PER_STEP) {
            bound = "more than " + MAX_ISSUERS_PER_STEP + " certificates named \"" + current.getIssuerX500Principal().getName()
                + "\" could have issued \"" + current.getSubjectX500Principal().getName() + "\"";
            candidates = candidates.subList(0, MAX_ISSUERS_PER_STEP);
        }
        boolean found = false;
        for (X509Certificate candidate : candidates) {
            if (anchored.size() >= MAX_PATHS) {
                return;
            }
            if (onPath(path, candidate)) {
                continue; // a loop through cross-signatures
            }
            Boolean ok = verified.get(new Link(current, candidate));
            if (ok == null) {
                if (signatureChecks >= MAX_SIGNATURE_CHECKS) {
                    bound = "more than " + MAX_SIGNATURE_CHECKS + " signature checks";
                    return;
                }
                signatureChecks++;
                ok = signedBy(current, candidate);
                verified.put(new Link(current, candidate), ok);
            }
            if (!ok) {
                continue;
            }
            found = true;
            List<X509Certificate> longer = new ArrayList<>(path);
            longer.add(candidate);
            if (anchorSet.contains(candidate)) {
                anchored.add(List.copyOf(longer));
            } else if (longer.size() >= MAX_CERTS) {
                bound = "no trusted CA within " + MAX_CERTS + " certificates of the leaf";
            } else {
                extend(longer);
            }
        }
        if (!found && path.size() > deadEnd.size()) {
            deadEnd = List.copyOf(path);
        }
    }

    /** Anchors first, then presented certificates in the order sent; each group with key identifier matches first. */
    private List<X509Certificate> candidates(X509Certificate child) {
        X500Principal issuer = child.getIssuerX500Principal();
        byte[] aki = keyId(child, false);
        List<X509Certificate> out = new ArrayList<>();
        addOrdered(out, anchorsBySubject.getOrDefault(issuer, List.of()), aki);
        List<X509Certificate> sent = new ArrayList<>();
        for (X509Certificate c : presented) {
            if (c != child && c.getSubjectX500Principal().equals(issuer) && !out.contains(c)) {
                sent.add(c);
            }
        }
        addOrdered(out, sent, aki);
        return out;
    }

    private void addOrdered(List<X509Certificate> out, List<X509Certificate> group, byte[] aki) {
        if (aki != null) {
            for (X509Certificate c : group) {
                if (Arrays.equals(aki, keyId(c, true)) && !out.contains(c)) {
                    out.add(c);
                }
            }
        }
        for (X509Certificate c : group) {
            if (!out.contains(c)) {
                out.add(c);
            }
        }
    }

    /** The subject (or authority) key identifier, or null when absent or unreadable: only a hint for the order. */
    private byte[] keyId(X509Certificate c, boolean subject) {
        try {
            CertificateDer der = parsed.computeIfAbsent(c, CertificateDer::of);
            return subject ? der.subjectKeyId() : der.authorityKeyId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Already on the path: the same certificate, or the same subject and key (a cross-signed copy of it). */
    private static boolean onPath(List<X509Certificate> path, X509Certificate candidate) {
        for (X509Certificate c : path) {
            if (c.equals(candidate) || (c.getSubjectX500Principal().equals(candidate.getSubjectX500Principal())
                && c.getPublicKey().equals(candidate.getPublicKey()))) {
                return true;
            }
        }
        return false;
    }

    static boolean signedBy(X509Certificate c, X509Certificate issuer) {
        try {
            c.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
