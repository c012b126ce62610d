package dev.vigil.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates a target trusts: its {@code ca_file} (re-read when its modification time or size changes) or the
 * JDK's default CAs; a file is looked at no more than once per {@link #RECHECK}. All targets naming the same file
 * share one loaded list: the file is parsed once per change, not once per target, and the list's identity keys the verdict cache ({@link ChainInspector#trust}), so a chain judged
 * for one target is judged for all that trust the same file.
 */
final class TrustAnchors {
    private static volatile List<X509Certificate> system;
    private static final ConcurrentHashMap<Path, Loaded> FILES = new ConcurrentHashMap<>();

    /** How long a checked file is trusted to be unchanged: 2,000 targets must not mean 2,000 stat calls a round. */
    static final Duration RECHECK = Duration.ofSeconds(1);

    private record Loaded(FileTime stamp, long size, List<X509Certificate> certs, long checkedNanos) {
        Loaded checkedAt(long now) {
            return new Loaded(stamp, size, certs, now);
        }
    }

    private final Path caFile;
    private final long recheckNanos;

    TrustAnchors(Path caFile) {
        this(caFile, RECHECK);
    }

    TrustAnchors(Path caFile, Duration recheck) {
        this.caFile = caFile == null ? null : caFile.toAbsolutePath().normalize();
        this.recheckNanos = recheck.toNanos();
    }

    List<X509Certificate> get() throws IOException {
        if (caFile == null) {
            return system();
        }
        long now = System.nanoTime();
        Loaded known = FILES.get(caFile);
        if (known != null && now - known.checkedNanos() < recheckNanos) {
            return known.certs();
        }
        BasicFileAttributes attrs = Files.readAttributes(caFile, BasicFileAttributes.class);
        if (known != null && known.stamp().equals(attrs.lastModifiedTime()) && known.size() == attrs.size()) {
            FILES.put(caFile, known.checkedAt(now));
            return known.certs();
        }
        List<X509Certificate> certs = CertificateFiles.pemCertificates(Files.readAllBytes(caFile));
        if (certs.isEmpty()) {
            throw new IOException("no certificate in ca_file " + caFile.getFileName());
        }
        Loaded fresh = new Loaded(attrs.lastModifiedTime(), attrs.size(), List.copyOf(certs), now);
        // two targets that read the same new version at once keep whichever list landed first
        Loaded kept = FILES.merge(caFile, fresh, (old, latest) -> old.stamp().equals(latest.stamp())
            && old.size() == latest.size() && old.certs().equals(latest.certs()) ? old.checkedAt(now) : latest);
        return kept.certs();
    }

    static List<X509Certificate> system() {
        List<X509Certificate> s = system;
        if (s == null) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
                for (var tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) {
                        s = List.of(x.getAcceptedIssuers());
                    }
                }
            } catch (GeneralSecurityException e) {
                s = List.of();
            }
            system = s == null ? List.of() : s;
        }
        return system;
    }
}
