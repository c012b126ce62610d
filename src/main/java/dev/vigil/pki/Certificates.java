package dev.vigil.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** X.509 certificates from PEM text or DER bytes: the one certificate reader of every kind. */
public final class Certificates {
    private Certificates() {
    }

    /** Every CERTIFICATE block of a PEM text; throws IllegalArgumentException when one is not a certificate. */
    public static List<X509Certificate> pem(byte[] data) {
        List<X509Certificate> out = new ArrayList<>();
        for (Pem.Block b : Pem.parse(data)) {
            if (b.type().equals("CERTIFICATE") || b.type().equals("TRUSTED CERTIFICATE")) {
                out.add(der(b.der()));
            }
        }
        return out;
    }

    public static X509Certificate der(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not an X.509 certificate");
        }
    }

    /**
     * The certificates of a file in PEM (any number) or DER (one); an IOException names the file and the problem,
     * never its content.
     */
    public static List<X509Certificate> read(Path file) throws IOException {
        byte[] data = Files.readAllBytes(file);
        try {
            List<X509Certificate> certs = Pem.looksLikePem(data) ? pem(data) : List.of(der(data));
            if (certs.isEmpty()) {
                throw new IOException(file + " holds no CERTIFICATE block");
            }
            return certs;
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }
}
