package dev.vigil.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** The certificates a target trusts: its {@code ca_file} (re-read when it changes) or the JDK's default CAs. */
final class TrustAnchors {
    private static volatile List<X509Certificate> system;

    private final Path caFile;
    private FileTime loadedStamp;
    private long loadedSize = -1;
    private List<X509Certificate> loaded = List.of();

    TrustAnchors(Path caFile) {
        this.caFile = caFile;
    }

    synchronized List<X509Certificate> get() throws IOException {
        if (caFile == null) {
            return system();
        }
        FileTime stamp = Files.getLastModifiedTime(caFile);
        long size = Files.size(caFile);
        if (!stamp.equals(loadedStamp) || size != loadedSize) {
            List<X509Certificate> certs = CertificateFiles.pemCertificates(Files.readAllBytes(caFile));
            if (certs.isEmpty()) {
                throw new IOException("no certificate in ca_file " + caFile.getFileName());
            }
            loaded = certs;
            loadedStamp = stamp;
            loadedSize = size;
        }
        return loaded;
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
