package dev.vigil.tls;

import dev.vigil.probe.FileGlob;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.CommandLineYaml;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.Timing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code certfile} (section {@code certfiles}): certificates in files on the node, re-read every interval.
 *
 * <pre>
 * certfiles:
 *   interval: 5m
 *   targets:
 *     - path: /etc/kubernetes/pki/**&#47;*.crt   # a file or a glob; ** spans directories
 *       name: kubeadm-pki
 *       allow_missing: true                   # a glob matching nothing is not a failure (still reported)
 *     - path: /etc/kafka/truststore.jks
 *       password_file: /etc/kafka/truststore.pass
 * </pre>
 */
public final class CertfileKind implements ProbeKind {
    public static final String NAME = "certfile";
    public static final String SECTION = "certfiles";
    static final List<String> FORMATS = List.of("auto", "pem", "der", "pkcs12", "jks", "kubeconfig");

    static final MetricFamily CERT_NOT_AFTER = MetricFamily.gauge("vigil_certfile_cert_not_after_timestamp_seconds",
        "notAfter of each certificate in the files (Unix time).", "target", "path", "source", "index", "position",
        "subject_cn", "issuer_cn");
    static final MetricFamily CERT_NOT_BEFORE = MetricFamily.gauge("vigil_certfile_cert_not_before_timestamp_seconds",
        "notBefore of each certificate in the files (Unix time).", "target", "path", "source", "index", "position",
        "subject_cn", "issuer_cn");
    static final MetricFamily CERT_INFO = MetricFamily.info("vigil_certfile_cert_info",
        "Attributes of each certificate in the files.", "target", "path", "source", "index", "position", "subject_cn",
        "issuer_cn", "serial", "fingerprint_sha256", "sans", "key_type", "key_bits", "signature_algorithm");
    static final MetricFamily READ_ERRORS = MetricFamily.gauge("vigil_certfile_read_errors",
        "1 for each path that could not be read at the last run, by reason (not_found, permission_denied,"
            + " parse_error, bad_password).", "target", "path", "reason");
    static final MetricFamily FILES = MetricFamily.gauge("vigil_certfile_files",
        "Number of files the path or glob matched at the last run.", "target");
    static final MetricFamily CERTIFICATES = MetricFamily.gauge("vigil_certfile_certificates",
        "Number of certificates read at the last run.", "target");
    static final MetricFamily EARLIEST_EXPIRY = MetricFamily.gauge("vigil_certfile_earliest_expiry_timestamp_seconds",
        "Earliest notAfter among all certificates read at the last run (Unix time).", "target");

    /** One target: a host path or glob as written, and how to read what it matches. */
    record Spec(String path, String format, Path passwordFile, boolean allowMissing) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String section() {
        return SECTION;
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults);
        List<Target> out = new ArrayList<>();
        for (Section t : section.sections("targets")) {
            String path = t.requiredString("path");
            String name = t.string("name", path);
            String format = t.choice("format", "auto", FORMATS);
            Timing timing = Timing.read(t, sectionTiming);
            Path password = t.readableFile("password_file").orElse(null);
            boolean allowMissing = t.bool("allow_missing", false);
            t.finish();
            if (path.isEmpty()) {
                continue;
            }
            try {
                FileGlob.parse(path);
            } catch (IllegalArgumentException e) {
                t.error("path", e.getMessage());
                continue;
            }
            out.add(new Target(NAME, name, timing, new Spec(path, format, password, allowMissing)));
        }
        section.finish();
        return out;
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new CertfileProbe(target.name(), target.spec(Spec.class), hostPaths);
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(CERT_NOT_AFTER, CERT_NOT_BEFORE, CERT_INFO, READ_ERRORS, FILES, CERTIFICATES, EARLIEST_EXPIRY);
    }

    @Override
    public List<String> reasons() {
        return List.of("not_found", "permission_denied", "parse_error", "bad_password");
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("/nonexistent/vigil/*.crt");
    }

    @Override
    public String commandLineSection(String target, Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("targets:\n  - path: ").append(CommandLineYaml.quote(target)).append('\n');
        options.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
