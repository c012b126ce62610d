package dev.vigil.tls;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Certificates from the bytes of a file in any format vigil reads. */
final class CertificateFiles {
    private CertificateFiles() {
    }

    /** Every CERTIFICATE block of a PEM text; throws IllegalArgumentException when one is not a certificate. */
    static List<X509Certificate> pemCertificates(byte[] data) {
        List<X509Certificate> out = new ArrayList<>();
        for (Pem.Block b : Pem.parse(data)) {
            if (b.type().equals("CERTIFICATE") || b.type().equals("TRUSTED CERTIFICATE")) {
                out.add(der(b.der()));
            }
        }
        return out;
    }

    static X509Certificate der(byte[] der) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("not an X.509 certificate");
        }
    }
}
