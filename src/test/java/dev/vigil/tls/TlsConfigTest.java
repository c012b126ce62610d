package dev.vigil.tls;

import dev.vigil.probe.FileGlob;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration of the two kinds: inheritance from defaults, and every mistake reported with its place. */
class TlsConfigTest {
    @TempDir
    Path dir;

    private String errors(String yaml) {
        ConfigException e = assertThrows(ConfigException.class,
            () -> new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("t.yml", yaml));
        return e.errors().toString();
    }

    @Test
    void targetsInheritTheSectionDefaults() throws Exception {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "x");
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("t.yml",
            "tls:\n  timeout: 3s\n  defaults:\n    ca_file: " + ca + "\n    starttls: smtp\n  targets:\n"
                + "    - target: mail.example.com:25\n    - target: \"[::1]:465\"\n      starttls: none\n      name: local\n")
            .targets();
        TlsKind.Spec first = (TlsKind.Spec) targets.get(0).spec();
        TlsKind.Spec second = (TlsKind.Spec) targets.get(1).spec();
        assertEquals("smtp", first.starttls());
        assertEquals(ca, first.caFile());
        assertEquals("none", second.starttls());
        assertEquals(ca, second.caFile());
        assertEquals("::1", second.address().host());
        assertEquals("local", targets.get(1).name());
        assertEquals(3, targets.get(0).timing().timeout().toSeconds());
    }

    @Test
    void mistakesAreReportedWithTheirKey() throws Exception {
        Path cert = Files.writeString(dir.resolve("c.pem"), "x");
        String all = errors("tls:\n  targets:\n    - target: example.com\n"
            + "    - target: example.com:443\n      client_cert_file: " + cert + "\n"
            + "    - target: example.com:443\n      ca_file: " + dir.resolve("missing.pem") + "\n"
            + "    - target: example.com:443\n      ip_family: ipv6\n"
            + "    - target: example.com:443\n      client_pkcs12_password_file: " + cert + "\n");
        assertTrue(all.contains("host:port"), all);
        assertTrue(all.contains("client_cert_file and client_key_file go together"), all);
        assertTrue(all.contains("does not exist"), all);
        assertTrue(all.contains("ip_family"), all);
        assertTrue(all.contains("needs client_pkcs12_file"), all);
    }

    @Test
    void certfileNeedsAPathAndAKnownFormat() {
        String all = errors("certfiles:\n  targets:\n    - name: x\n    - path: /etc/ssl/*.pem\n      format: pkcs7\n");
        assertTrue(all.contains("path"), all);
        assertTrue(all.contains("pkcs7"), all);
    }

    @Test
    void globsSplitIntoADirectoryAndAPattern() {
        assertEquals(new FileGlob("/etc/kubernetes/pki", "**/*.crt"), FileGlob.parse("/etc/kubernetes/pki/**/*.crt"));
        assertEquals(new FileGlob("/etc/ssl/cert.pem", ""), FileGlob.parse("/etc/ssl/cert.pem"));
        assertEquals(new FileGlob("/", "*.pem"), FileGlob.parse("/*.pem"));
        assertThrows(IllegalArgumentException.class, () -> FileGlob.parse("/etc/[a.pem"));
    }
}
