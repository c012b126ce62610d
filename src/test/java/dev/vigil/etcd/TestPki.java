package dev.vigil.etcd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PKI made by the real {@code openssl} for the tests: a CA, a server/peer certificate for 127.0.0.1,
 * and client certificates with keys in the formats k3s and etcd tools write (SEC1, PKCS#1, PKCS#8).
 */
final class TestPki {
    final Path dir;
    private final String openssl;

    TestPki(String openssl, Path dir) {
        this.openssl = openssl;
        this.dir = dir;
    }

    Path caCert(String ca) {
        return dir.resolve(ca + ".crt");
    }

    /** A self-signed CA named {@code ca} ({@code ca.crt}, {@code ca.key}). */
    TestPki ca(String ca) throws IOException, InterruptedException {
        run(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", ca + ".key", "-out", ca + ".crt", "-days", "2", "-subj", "/CN=vigil test " + ca);
        return this;
    }

    /**
     * A certificate {@code name}.crt signed by {@code ca}, for 127.0.0.1 and localhost, usable by servers and clients.
     * {@code keyFormat}: {@code sec1} (EC PRIVATE KEY), {@code pkcs1} (RSA PRIVATE KEY) or {@code pkcs8}.
     */
    TestPki issue(String ca, String name, String keyFormat) throws IOException, InterruptedException {
        switch (keyFormat) {
            case "sec1" -> run(openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key");
            case "pkcs1" -> run(openssl, "genrsa", "-traditional", "-out", name + ".key", "2048");
            case "pkcs8" -> run(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-out", name + ".key");
            default -> throw new IllegalArgumentException(keyFormat);
        }
        Files.writeString(dir.resolve(name + ".ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
        run(openssl, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
        run(openssl, "x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".crt");
        return this;
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", new ArrayList<>(List.of(cmd))) + " failed: " + out);
            }
        } finally {
            p.destroyForcibly();
        }
    }
}
