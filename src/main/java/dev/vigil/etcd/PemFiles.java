package dev.vigil.etcd;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
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
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

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
        for (Block b : blocks(file)) {
            byte[] pkcs8 = switch (b.type()) {
                case "PRIVATE KEY" -> b.der();
                case "RSA PRIVATE KEY" -> wrapPkcs1(b.der());
                case "EC PRIVATE KEY" -> wrapSec1(b.der(), file);
                case "ENCRYPTED PRIVATE KEY" -> throw new PemException(file
                    + " holds an encrypted key: give the agent an unencrypted key readable only by its user");
                default -> null;
            };
            if (pkcs8 == null) {
                continue;
            }
            try {
                for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                    } catch (GeneralSecurityException e) {
                        // try the next algorithm
                    }
                }
            } finally {
                Arrays.fill(pkcs8, (byte) 0);
                Arrays.fill(b.der(), (byte) 0);
            }
            throw new PemException(file + ": the " + b.type() + " block is not an RSA, EC or EdDSA key");
        }
        throw new PemException(file + " holds no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block");
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

    /** PKCS#8 PrivateKeyInfo around a PKCS#1 RSAPrivateKey. */
    static byte[] wrapPkcs1(byte[] pkcs1) {
        byte[] algorithm = der(0x30, concat(RSA_OID, new byte[] {0x05, 0x00}));
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, der(0x04, pkcs1)));
    }

    /** PKCS#8 PrivateKeyInfo around a SEC1 ECPrivateKey, whose [0] parameters name the curve. */
    static byte[] wrapSec1(byte[] sec1, Path file) throws PemException {
        byte[] curve = sec1Curve(sec1);
        if (curve == null) {
            throw new PemException(file + ": the EC PRIVATE KEY names no curve");
        }
        byte[] algorithm = der(0x30, concat(EC_OID, curve));
        return der(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, der(0x04, sec1)));
    }

    /** The curve OID (tag and length included) in the {@code [0]} field of an ECPrivateKey, or null. */
    private static byte[] sec1Curve(byte[] sec1) {
        try {
            int[] seq = header(sec1, 0);
            int pos = seq[0];
            int end = seq[0] + seq[1];
            while (pos < end) {
                int tag = sec1[pos] & 0xff;
                int[] h = header(sec1, pos);
                if (tag == 0xa0) {
                    int[] oid = header(sec1, h[0]);
                    return Arrays.copyOfRange(sec1, h[0], oid[0] + oid[1]);
                }
                pos = h[0] + h[1];
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            return null;
        }
        return null;
    }

    /** {content offset, content length} of the DER element at {@code pos}. */
    private static int[] header(byte[] d, int pos) {
        int len = d[pos + 1] & 0xff;
        int off = pos + 2;
        if (len > 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (d[off++] & 0xff);
            }
        }
        return new int[] {off, len};
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
