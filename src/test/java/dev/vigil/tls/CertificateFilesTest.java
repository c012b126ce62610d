package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The certfile kind's format guessing and kubeconfig reading, as pure functions over bytes. */
class CertificateFilesTest {
    @Test
    void formatGuessing() {
        byte[] der = TestPki.encoded(TestPki.cert("x").build().cert());
        assertEquals("der", CertificateFiles.guess(der, "x.crt"));
        assertEquals("pem", CertificateFiles.guess("-----BEGIN CERTIFICATE-----".getBytes(), "x.crt"));
        assertEquals("jks", CertificateFiles.guess(new byte[] {(byte) 0xfe, (byte) 0xed, (byte) 0xfe, (byte) 0xed}, "x"));
        assertEquals("pkcs12", CertificateFiles.guess(new byte[] {0x30, 0x01}, "store.p12"));
        assertEquals("kubeconfig", CertificateFiles.guess("apiVersion: v1\nclusters: []\n".getBytes(), "admin.conf"));
    }

    @Test
    void kubeconfigWithBrokenDataIsAParseError() {
        CertificateFiles.Unreadable e = assertThrows(CertificateFiles.Unreadable.class, () -> CertificateFiles.read(
            "apiVersion: v1\nclusters:\n- name: c\n  cluster:\n    certificate-authority-data: '%%%'\n".getBytes(),
            "k.yaml", "auto", null, null));
        assertEquals("parse_error", e.reason());
    }
}
