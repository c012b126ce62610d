package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretTest {
    private static final String PLANTED = "PLANTED-SECRET-3b7e";
    @TempDir
    Path dir;

    @Test
    void aSecretNeverPrintsItself() throws Exception {
        Secret s = Secret.read(Files.writeString(dir.resolve("t"), PLANTED + "\n"), "bearer_token_file", true);
        assertEquals(PLANTED, s.reveal());
        assertEquals("<redacted>", s.toString());
        assertFalse(("token " + s).contains(PLANTED));
    }

    private String refusal(byte[] content, boolean ascii) throws Exception {
        Path f = Files.write(dir.resolve("f"), content);
        Secret.Unusable e = assertThrows(Secret.Unusable.class, () -> Secret.read(f, "bearer_token_file", ascii));
        assertFalse(e.getMessage().contains("PLANTED"), e.getMessage());
        assertTrue(e.getMessage().startsWith("bearer_token_file " + f + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aFileOfTheWrongShapeIsRefusedWithoutQuotingIt() throws Exception {
        assertTrue(refusal((PLANTED + "\nPLANTED-LINE-2\n").getBytes(StandardCharsets.UTF_8), true)
            .contains("more than one line"));
        assertTrue(refusal(("-----BEGIN PRIVATE KEY-----\nPLANTEDMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
            + "-----END PRIVATE KEY-----\n").getBytes(StandardCharsets.US_ASCII), true).contains("PEM block"));
        byte[] binary = ("\u0000\u0001PLANTED\u0002").getBytes(StandardCharsets.UTF_8);
        assertTrue(refusal(binary, true).contains("control characters"));
        assertTrue(refusal(new byte[] {(byte) 0xff, (byte) 0xfe, 'P', 'L', 'A', 'N', 'T', 'E', 'D'}, true).contains("not UTF-8"));
        assertTrue(refusal("PLANTED-é".getBytes(StandardCharsets.UTF_8), true).contains("printable ASCII"));
        assertTrue(refusal("\n\n".getBytes(StandardCharsets.UTF_8), true).contains("empty"));
        assertTrue(refusal(("PLANTED" + "x".repeat(Secret.MAX_BYTES)).getBytes(StandardCharsets.UTF_8), true)
            .contains("larger than"));
    }

    @Test
    void aPasswordMayBeUnicodeButNotTwoLines() throws Exception {
        Path f = Files.writeString(dir.resolve("p"), "pässwörd\n");
        assertEquals("pässwörd", Secret.read(f, "password_file", false).reveal());
    }

    @Test
    void anUnreadableFileSaysSoWithoutAnExceptionMessage() {
        Secret.Unusable e = assertThrows(Secret.Unusable.class,
            () -> Secret.read(dir.resolve("gone"), "password_file", false));
        assertTrue(e.unreadable());
        assertTrue(e.getMessage().endsWith("cannot read (NoSuchFileException)"), e.getMessage());
    }
}
