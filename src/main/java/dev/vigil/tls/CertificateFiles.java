package dev.vigil.tls;

import dev.vigil.pki.Pem;
import dev.vigil.pki.Certificates;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Certificates from the bytes of a file: PEM (bundles), DER, PKCS#12, JKS and kubeconfig (embedded
 * {@code certificate-authority-data} and {@code client-certificate-data}; keys in it are never read). Pure functions
 * over bytes; failures carry a bounded reason ({@code parse_error}, {@code bad_password}).
 */
final class CertificateFiles {
    static final int MAX_CERTIFICATES = 100;

    /** A certificate and where in the file it was: "" for PEM/DER, the alias of a key store, the kubeconfig entry. */
    record Found(X509Certificate cert, String source) {
    }

    /** A file that cannot be read as certificates. */
    static final class Unreadable extends Exception {
        private final String reason;

        Unreadable(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        String reason() {
            return reason;
        }
    }

    private CertificateFiles() {
    }

    /** Reads a file a kubeconfig names ({@code client-certificate: pki/client.crt}), as kubectl would find it. */
    interface ReferencedFiles {
        byte[] read(String path) throws Unreadable;
    }

    /**
     * Reads with {@code format} ("auto" guesses from the name and the first bytes). A kubeconfig's
     * {@code certificate-authority} and {@code client-certificate} paths (used by kubectl when the {@code -data} form
     * is absent, as in kubeadm's kubelet.conf) are read through {@code files}, or left alone when it is null.
     */
    static List<Found> read(byte[] data, String fileName, String format, char[] password, ReferencedFiles files)
        throws Unreadable {
        String f = "auto".equals(format) ? guess(data, fileName) : format;
        List<Found> found = switch (f) {
            case "pem" -> pem(data);
            case "der" -> List.of(new Found(derOrThrow(data), ""));
            case "pkcs12" -> keyStore("PKCS12", data, password);
            case "jks" -> keyStore("JKS", data, password);
            case "kubeconfig" -> kubeconfig(data, files);
            default -> throw new Unreadable("parse_error", "unknown format " + f);
        };
        if (found.isEmpty() && "pem".equals(f) && !Pem.parse(data).isEmpty()) {
            return List.of(); // keys, parameters, requests: a PEM file without certificates is not an error
        }
        if (found.isEmpty()) {
            throw new Unreadable("parse_error", "no certificate found (read as " + f + ")");
        }
        return found.size() > MAX_CERTIFICATES ? found.subList(0, MAX_CERTIFICATES) : found;
    }

    static String guess(byte[] data, String fileName) {
        String name = fileName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".p12") || name.endsWith(".pfx")) {
            return "pkcs12";
        }
        if (name.endsWith(".jks") || name.endsWith(".keystore") || name.endsWith(".truststore")) {
            return data.length >= 4 && (data[0] & 0xff) == 0xfe && (data[1] & 0xff) == 0xed ? "jks" : "pkcs12";
        }
        if (data.length >= 4 && (data[0] & 0xff) == 0xfe && (data[1] & 0xff) == 0xed && (data[2] & 0xff) == 0xfe
            && (data[3] & 0xff) == 0xed) {
            return "jks";
        }
        if (Pem.looksLikePem(data)) {
            return "pem";
        }
        String head = new String(data, 0, Math.min(data.length, 4096), StandardCharsets.ISO_8859_1);
        if (head.contains("apiVersion:") || head.contains("clusters:") || name.contains("kubeconfig")) {
            return "kubeconfig";
        }
        if (data.length > 0 && data[0] == 0x30) {
            try {
                der(data);
                return "der";
            } catch (IllegalArgumentException e) {
                return "pkcs12"; // also a DER SEQUENCE
            }
        }
        return "pem";
    }

    private static List<Found> pem(byte[] data) throws Unreadable {
        try {
            return pemCertificates(data).stream().map(c -> new Found(c, "")).toList();
        } catch (IllegalArgumentException e) {
            throw new Unreadable("parse_error", e.getMessage());
        }
    }

    private static X509Certificate derOrThrow(byte[] data) throws Unreadable {
        try {
            return der(data);
        } catch (IllegalArgumentException e) {
            throw new Unreadable("parse_error", "not a DER X.509 certificate");
        }
    }

    private static List<Found> keyStore(String type, byte[] data, char[] password) throws Unreadable {
        KeyStore ks;
        try {
            ks = KeyStore.getInstance(type);
            ks.load(new ByteArrayInputStream(data), password);
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException || String.valueOf(e.getMessage()).contains("password")) {
                throw new Unreadable("bad_password", type + ": wrong password" + (password == null ? " (no password_file given)" : ""));
            }
            throw new Unreadable("parse_error", "not a " + type + " key store");
        } catch (GeneralSecurityException e) {
            throw new Unreadable("parse_error", "not a " + type + " key store");
        }
        List<Found> out = new ArrayList<>();
        try {
            for (String alias : Collections.list(ks.aliases())) {
                Certificate[] chain = ks.isKeyEntry(alias) ? ks.getCertificateChain(alias) : null;
                if (chain == null) {
                    Certificate c = ks.getCertificate(alias);
                    chain = c == null ? new Certificate[0] : new Certificate[] {c};
                }
                for (Certificate c : chain) {
                    if (c instanceof X509Certificate x) {
                        out.add(new Found(x, alias));
                    }
                }
            }
        } catch (GeneralSecurityException e) {
            throw new Unreadable("parse_error", type + ": " + e.getMessage());
        }
        if (out.isEmpty() && password == null && "PKCS12".equals(type)) {
            throw new Unreadable("bad_password", "PKCS12: the certificates are encrypted; give password_file");
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Found> kubeconfig(byte[] data, ReferencedFiles files) throws Unreadable {
        Object doc;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(10 * 1024 * 1024);
            doc = new Yaml(new SafeConstructor(options)).load(new String(data, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new Unreadable("parse_error", "kubeconfig is not valid YAML");
        }
        if (!(doc instanceof Map<?, ?> root)) {
            throw new Unreadable("parse_error", "kubeconfig is not a YAML mapping");
        }
        List<Found> out = new ArrayList<>();
        embedded(root.get("clusters"), "cluster", "certificate-authority", files, out);
        embedded(root.get("users"), "user", "client-certificate", files, out);
        return out;
    }

    /** {@code key-data} (base64 of PEM or DER) or, without it, the file {@code key} names. */
    private static void embedded(Object list, String kind, String key, ReferencedFiles files, List<Found> out)
        throws Unreadable {
        if (!(list instanceof List<?> entries)) {
            return;
        }
        for (Object e : entries) {
            if (!(e instanceof Map<?, ?> entry) || !(entry.get(kind) instanceof Map<?, ?> body)) {
                continue;
            }
            String source;
            byte[] pem;
            if (body.get(key + "-data") instanceof String b64) {
                source = kind + "/" + entry.get("name") + "/" + key + "-data";
                try {
                    pem = Base64.getMimeDecoder().decode(b64.strip());
                } catch (IllegalArgumentException ex) {
                    throw new Unreadable("parse_error", source + " is not base64");
                }
            } else if (body.get(key) instanceof String path && files != null && !path.isBlank()) {
                source = kind + "/" + entry.get("name") + "/" + key;
                try {
                    pem = files.read(path);
                } catch (Unreadable u) {
                    throw new Unreadable(u.reason(), source + " " + path + ": " + u.getMessage());
                }
            } else {
                continue;
            }
            try {
                List<X509Certificate> certs = Pem.looksLikePem(pem) ? pemCertificates(pem) : List.of(der(pem));
                for (X509Certificate c : certs) {
                    out.add(new Found(c, source));
                }
            } catch (IllegalArgumentException ex) {
                throw new Unreadable("parse_error", source + ": " + ex.getMessage());
            }
        }
    }

    /** Every CERTIFICATE block of a PEM text; throws IllegalArgumentException when one is not a certificate. */
    static List<X509Certificate> pemCertificates(byte[] data) {
        return Certificates.pem(data);
    }

    static X509Certificate der(byte[] der) {
        return Certificates.der(der);
    }
}
