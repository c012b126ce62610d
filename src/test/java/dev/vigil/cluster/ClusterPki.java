package dev.vigil.cluster;

import dev.vigil.it.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The cluster's PKI, made by the real {@code openssl} with the lifetimes k3s gives: CAs for 10 years, leaf
 * certificates for a year (so nothing is near expiry unless a fault makes it so). ECDSA P-256 keys, as k3s writes.
 */
final class ClusterPki {
    final Path dir;
    private final String openssl;
    private final SecureRandom random = new SecureRandom();

    ClusterPki(String openssl, Path dir) throws IOException {
        this.openssl = openssl;
        this.dir = Files.createDirectories(dir);
    }

    Path crt(String name) {
        return dir.resolve(name + ".crt");
    }

    Path key(String name) {
        return dir.resolve(name + ".key");
    }

    /** A self-signed CA {@code name}.crt/.key valid for 10 years. */
    void ca(String name) throws Exception {
        run(List.of(), openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key(name).toString(), "-out", crt(name).toString(), "-days", "3650",
            "-subj", "/CN=" + name + "@1764900000", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature");
    }

    /**
     * A certificate {@code name}.crt/.key signed by {@code ca}. {@code sans} in openssl's syntax ("" for none),
     * {@code eku} e.g. {@code serverAuth,clientAuth}. {@code prefix} runs the signing under another program
     * (faketime, for a certificate issued in the past).
     */
    void leaf(String ca, String name, String cn, String sans, String eku, int days, List<String> prefix)
        throws Exception {
        Files.deleteIfExists(key(name));
        run(List.of(), openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key(name).toString(), "-out", dir.resolve(name + ".csr").toString(), "-subj", "/CN=" + cn);
        Path ext = dir.resolve(name + ".ext");
        Files.writeString(ext, (sans.isEmpty() ? "" : "subjectAltName=" + sans + "\n")
            + "extendedKeyUsage=" + eku + "\nkeyUsage=critical,digitalSignature,keyEncipherment\n");
        run(prefix, openssl, "x509", "-req", "-in", dir.resolve(name + ".csr").toString(), "-CA", crt(ca).toString(),
            "-CAkey", key(ca).toString(), "-set_serial", "0x" + HexFormat.of().formatHex(random.generateSeed(8)),
            "-days", Integer.toString(days), "-extfile", ext.toString(), "-out", crt(name).toString());
    }

    void leaf(String ca, String name, String cn, String sans, String eku) throws Exception {
        leaf(ca, name, cn, sans, eku, 365, List.of());
    }

    private static void run(List<String> prefix, String... cmd) throws Exception {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(List.of(cmd));
        Tools.Exec e = Tools.exec(Duration.ofSeconds(60), all.toArray(String[]::new));
        if (e.code() != 0) {
            throw new AssertionError(String.join(" ", all) + ": " + e.output());
        }
    }
}
