package dev.vigil.pki;

import dev.vigil.config.Secret;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The certificate chain and key vigil presents for mTLS, read from PEM files or a PKCS#12 file. */
public record ClientIdentity(List<X509Certificate> chain, PrivateKey key) {
    @Override
    public String toString() {
        return "ClientIdentity[" + (chain.isEmpty() ? "" : chain.get(0).getSubjectX500Principal()) + "]"; // never the key
    }

    public static ClientIdentity fromPem(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = Certificates.pem(Files.readAllBytes(certFile));
        if (chain.isEmpty()) {
            throw new IOException("no certificate in " + certFile.getFileName());
        }
        PrivateKey key;
        try {
            key = PrivateKeys.fromPem(Files.readAllBytes(keyFile));
        } catch (IllegalArgumentException e) {
            throw new IOException(keyFile.getFileName() + ": " + e.getMessage());
        }
        return new ClientIdentity(chain, key);
    }

    public static ClientIdentity fromPkcs12(Path file, Path passwordFile) throws IOException {
        char[] password;
        try {
            password = passwordFile == null ? new char[0]
                : Secret.read(passwordFile, "client_pkcs12_password_file", false).revealChars();
        } catch (Secret.Unusable e) {
            throw new IOException(e.getMessage());
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(new ByteArrayInputStream(Files.readAllBytes(file)), password);
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    Key key = ks.getKey(alias, password);
                    Certificate[] chain = ks.getCertificateChain(alias);
                    if (key instanceof PrivateKey pk && chain != null && chain.length > 0) {
                        List<X509Certificate> certs = new ArrayList<>();
                        for (Certificate c : chain) {
                            certs.add((X509Certificate) c);
                        }
                        return new ClientIdentity(List.copyOf(certs), pk);
                    }
                }
            }
            throw new IOException(file.getFileName() + " holds no private key with a certificate");
        } catch (GeneralSecurityException e) {
            throw new IOException(file.getFileName() + ": cannot open PKCS#12 (wrong password?)");
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }
}
