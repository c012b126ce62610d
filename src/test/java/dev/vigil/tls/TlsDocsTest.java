package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.MetricFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kinds' reference ({@code src/main/java/dev/vigil/tls/README.md}) documents every metric, label, option, dialect
 * and reason the two kinds can produce.
 */
class TlsDocsTest {
    private static final List<String> TLS_REASONS = new TlsKind().reasons();
    private static final List<String> CERTFILE_REASONS = new CertfileKind().reasons();
    private static final List<String> OPTIONS = List.of("server_name", "starttls", "ca_file", "client_cert_file",
        "client_key_file", "client_pkcs12_file", "client_pkcs12_password_file", "ip_family", "all_addresses", "provider",
        "path", "format", "password_file", "allow_missing");

    private static String section() throws Exception {
        return Files.readString(Path.of("src/main/java/dev/vigil/tls/README.md"));
    }

    @Test
    void everythingIsDocumented() throws Exception {
        String doc = section();
        List<String> missing = new ArrayList<>();
        List<MetricFamily> families = new ArrayList<>(new TlsKind().metrics());
        families.addAll(new CertfileKind().metrics());
        for (MetricFamily f : families) {
            if (!doc.contains("`" + f.name() + "`")) {
                missing.add(f.name());
            }
            for (String label : f.labelNames()) {
                if (!doc.contains("`" + label + "`")) {
                    missing.add(f.name() + " label " + label);
                }
            }
        }
        List<String> words = new ArrayList<>(TLS_REASONS);
        words.addAll(CERTFILE_REASONS);
        words.addAll(ChainInspector.VERDICTS);
        words.addAll(OPTIONS);
        words.addAll(StartTls.DIALECTS);
        words.addAll(CertfileKind.FORMATS);
        words.addAll(TlsEngines.PROVIDERS);
        for (String w : words) {
            if (!doc.contains("`" + w + "`")) {
                missing.add(w);
            }
        }
        assertTrue(missing.isEmpty(), "not documented: " + missing);
    }

    /** Every YAML example of the section loads, with its *_file paths created under a temporary --path.rootfs. */
    @Test
    void examplesLoad(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        String doc = section();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```yaml\n(.*?)```", java.util.regex.Pattern.DOTALL)
            .matcher(doc);
        int examples = 0;
        while (m.find()) {
            String yaml = m.group(1);
            java.util.regex.Matcher files = java.util.regex.Pattern.compile("_file: (\\S+)").matcher(yaml);
            while (files.find()) {
                Path p = dev.vigil.config.HostPaths.of(root.toString()).resolve(files.group(1));
                Files.createDirectories(p.getParent());
                Files.writeString(p, "");
            }
            var targets = new dev.vigil.probe.ConfigLoader(dev.vigil.probe.ProbeKinds.builtIn(),
                dev.vigil.config.HostPaths.of(root.toString())).parse("README example " + (examples + 1), yaml).targets();
            assertTrue(!targets.isEmpty(), "example " + (examples + 1) + " has targets");
            examples++;
        }
        assertTrue(examples >= 3, "found " + examples + " examples");
    }
}
