package dev.vigil.net;

import dev.vigil.pki.Certificates;
import dev.vigil.pki.ClientIdentity;
import dev.vigil.probe.AcceptAnyCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS material of a client (etcd's cluster mode, cAdvisor, any HTTPS client): the CA file (else the JDK's CAs),
 * the client certificate and key (PEM in PKCS#8, PKCS#1 or SEC1, or a PKCS#12 file), reloaded when one of the files
 * changes (k3s and cert-manager rotate them in place). Key bytes never leave {@link dev.vigil.pki}, not even in
 * messages.
 */
public final class ClientTls {
    /** The files of one client; null for what is not configured. */
    public record Files(Path ca, Path cert, Path key, Path pkcs12, Path pkcs12Password, boolean insecureSkipVerify) {
        public static Files of(Path ca, Path cert, Path key) {
            return new Files(ca, cert, key, null, null, false);
        }

        public boolean hasClientCertificate() {
            return cert != null || pkcs12 != null;
        }

        List<Path> all() {
            List<Path> l = new ArrayList<>();
            l.add(ca);
            l.add(cert);
            l.add(key);
            l.add(pkcs12);
            l.add(pkcs12Password);
            return l;
        }
    }

    /** The files could not be made into a TLS context; {@link #reason()} is ca_file_error or client_cert_error. */
    public static final class Unusable extends Exception {
        private final String reason;

        Unusable(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    /** The current context; {@code changed} tells the caller to build a new HTTP client. */
    public record Current(SSLContext context, Optional<X509Certificate> clientCertificate, boolean changed) {
    }

    private final Files files;
    private List<Object> stamp;
    private Current loaded;

    public ClientTls(Files files) {
        this.files = files;
    }

    /** The context for the files as they are now: re-read when a file's modification time or size changed. */
    public synchronized Current current() throws Unusable {
        List<Object> now = stamp();
        if (loaded != null && Objects.equals(now, stamp)) {
            return new Current(loaded.context(), loaded.clientCertificate(), false);
        }
        loaded = load(files);
        stamp = now;
        return loaded;
    }

    /** Loads once (configuration checks: a broken key fails check-config, not a probe). */
    public static Current load(Files files) throws Unusable {
        TrustManager[] trust = trust(files);
        ClientIdentity identity = identity(files);
        try {
            KeyManagerFactory kmf = null;
            if (identity != null) {
                char[] password = new char[16];
                SecureRandom random = new SecureRandom();
                for (int i = 0; i < password.length; i++) {
                    password[i] = (char) ('a' + random.nextInt(26));
                }
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", identity.key(), password, identity.chain().toArray(new X509Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
            return new Current(ctx, identity == null ? Optional.empty() : Optional.of(identity.chain().get(0)), true);
        } catch (GeneralSecurityException | IOException e) {
            throw new Unusable(Reasons.CLIENT_CERT_ERROR, "cannot build the TLS context: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }

    private static TrustManager[] trust(Files files) throws Unusable {
        if (files.insecureSkipVerify()) {
            return new TrustManager[] {new AcceptAnyCertificate()};
        }
        if (files.ca() == null) {
            return null; // the JDK's CAs
        }
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (X509Certificate c : Certificates.read(files.ca())) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (IOException e) {
            throw new Unusable(Reasons.CA_FILE_ERROR, "ca_file: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new Unusable(Reasons.CA_FILE_ERROR, "ca_file " + files.ca() + ": " + e.getClass().getSimpleName());
        }
    }

    private static ClientIdentity identity(Files files) throws Unusable {
        try {
            if (files.pkcs12() != null) {
                return ClientIdentity.fromPkcs12(files.pkcs12(), files.pkcs12Password());
            }
            if (files.cert() != null && files.key() != null) {
                return ClientIdentity.fromPem(files.cert(), files.key());
            }
            return null;
        } catch (IOException | RuntimeException e) {
            throw new Unusable(Reasons.CLIENT_CERT_ERROR, "cannot read the client certificate: " + e.getMessage());
        }
    }

    private List<Object> stamp() {
        List<Object> s = new ArrayList<>();
        for (Path p : files.all()) {
            if (p == null) {
                s.add(null);
                continue;
            }
            try {
                s.add(java.nio.file.Files.getLastModifiedTime(p).toMillis() + "/" + java.nio.file.Files.size(p));
            } catch (IOException e) {
                s.add("missing");
            }
        }
        return s;
    }
}
