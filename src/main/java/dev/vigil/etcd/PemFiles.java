package dev.vigil.etcd;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * PEM certificates and keys as etcd and k3s write them: certificates, PKCS#8 keys ({@code PRIVATE KEY}), and the
 * PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}) keys k3s writes, which the JDK cannot read
 * directly and which are wrapped into PKCS#8 here. Key bytes never leave this class, not even in error messages.
 */
final class PemFiles {
    private static final Pattern BLOCK = Pattern.compile(
        "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    private PemFiles() {
    }

    /** Thrown with a message naming the file and the problem, never the content. */
    static final class PemException extends Exception {
        PemException(String message) {
            super(message, null, false, false);
        }
    }

    record Block(String type, byte[] der) {
    }

    static List<Block> blocks(Path file) throws PemException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PemException("cannot read " + file + ": " + e.getClass().getSimpleName());
        }
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new PemException(file + ": a " + m.group(1) + " block is not valid base64");
            }
        }
        if (out.isEmpty()) {
            throw new PemException(file + " holds no PEM block");
        }
        return out;
    }

    static List<X509Certificate> certificates(Path file) throws PemException {
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(file)) {
                if (b.type().equals("CERTIFICATE")) {
                    certs.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new PemException(file + ": not a valid certificate (" + e.getMessage() + ")");
        }
        if (certs.isEmpty()) {
            throw new PemException(file + " holds no CERTIFICATE block");
        }
        return certs;
    }

    static PrivateKey privateKey(Path file) throws PemException {
        byte[] pem;
        try {
            pem = java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new PemException("cannot read " + file + ": " + e.getMessage());
        }
        try {
            return dev.vigil.tls.PrivateKeys.fromPem(pem);
        } catch (IllegalArgumentException e) {
            throw new PemException(file + ": " + e.getMessage());
        } finally {
            Arrays.fill(pem, (byte) 0);
        }
    }

    /** SSL context trusting {@code ca} (the JDK's trust store when null), presenting {@code cert}/{@code key} if set. */
    static SSLContext sslContext(Path ca, Path cert, Path key) throws PemException {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (ca == null) {
                tmf.init((KeyStore) null);
            } else {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (X509Certificate c : certificates(ca)) {
                    trust.setCertificateEntry("ca" + i++, c);
                }
                tmf.init(trust);
            }
            KeyManagerFactory kmf = null;
            if (cert != null && key != null) {
                char[] password = new char[16];
                SecureRandom random = new SecureRandom();
                for (int i = 0; i < password.length; i++) {
                    password[i] = (char) ('a' + random.nextInt(26));
                }
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                List<X509Certificate> chain = certificates(cert);
                keys.setKeyEntry("client", privateKey(key), password, chain.toArray(new X509Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new PemException("cannot build the TLS context: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }
}
