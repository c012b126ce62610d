package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.KeyType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustAnchorsTest {
    @TempDir
    Path dir;

    @Test
    void targetsNamingTheSameFileShareOneListUntilTheFileChanges() throws Exception {
        Hierarchy first = Hierarchy.create(KeyType.EC);
        Hierarchy second = Hierarchy.create(KeyType.EC);
        Path ca = TestPki.write(dir, "ca.pem", first.root().pem());
        Files.setLastModifiedTime(ca, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));

        List<X509Certificate> a = new TrustAnchors(ca, Duration.ZERO).get();
        List<X509Certificate> b = new TrustAnchors(dir.resolve(".").resolve("ca.pem"), Duration.ZERO).get();
        assertEquals(List.of(first.root().cert()), a);
        assertSame(a, b, "one parsed list per file, whatever spelling of its path");
        assertSame(a, new TrustAnchors(ca, Duration.ZERO).get(), "an unchanged file is not parsed again");

        TestPki.write(dir, "ca.pem", first.root().pem(), second.root().pem());
        Files.setLastModifiedTime(ca, FileTime.from(Instant.parse("2026-01-02T00:00:00Z")));
        List<X509Certificate> renewed = new TrustAnchors(ca, Duration.ZERO).get();
        assertEquals(List.of(first.root().cert(), second.root().cert()), renewed);
        assertSame(renewed, new TrustAnchors(ca, Duration.ZERO).get());
    }

    @Test
    void withinTheRecheckIntervalTheFileIsNotLookedAt() throws Exception {
        Hierarchy first = Hierarchy.create(KeyType.EC);
        Path ca = TestPki.write(dir, "recheck.pem", first.root().pem());
        List<X509Certificate> loaded = new TrustAnchors(ca, Duration.ofHours(1)).get();
        Files.delete(ca);
        assertSame(loaded, new TrustAnchors(ca, Duration.ofHours(1)).get(), "no stat within the interval");
        assertThrows(java.nio.file.NoSuchFileException.class, () -> new TrustAnchors(ca, Duration.ZERO).get());
    }

    @Test
    void aFileWithoutCertificatesIsAnError() throws Exception {
        Path ca = Files.writeString(dir.resolve("empty.pem"), "not a certificate\n");
        IOException e = assertThrows(IOException.class, () -> new TrustAnchors(ca, Duration.ZERO).get());
        assertEquals("no certificate in ca_file empty.pem", e.getMessage());
    }
}
