package dev.vigil.tls;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.HostPort;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.Timing;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Kind {@code tls}: the certificates a TLS endpoint presents, with a verdict on every outcome.
 *
 * <pre>
 * tls:
 *   interval: 5m
 *   defaults:                        # any target option, inherited by every target
 *     ca_file: /etc/kubernetes/pki/ca.crt
 *   targets:
 *     - target: 127.0.0.1:6443
 *       name: kube-apiserver
 *       server_name: kubernetes.default.svc
 *     - target: db.example.com:5432
 *       starttls: postgres
 *       all_addresses: true
 * </pre>
 */
public final class TlsKind implements ProbeKind {
    public static final String NAME = "tls";

    static final MetricFamily HANDSHAKE_DURATION = MetricFamily.gauge("vigil_tls_handshake_duration_seconds",
        "Time the TLS handshake took at the last run (STARTTLS and connect excluded).", "target");
    static final MetricFamily VERSION = MetricFamily.info("vigil_tls_version_info",
        "Negotiated TLS version at the last run.", "target", "version");
    static final MetricFamily CIPHER = MetricFamily.info("vigil_tls_cipher_info",
        "Negotiated cipher suite at the last run.", "target", "cipher");
    static final MetricFamily VERIFIED = MetricFamily.gauge("vigil_tls_verified",
        "1 when the presented chain verified (reason=\"ok\"), else 0 with the verdict as reason.", "target", "reason");
    static final MetricFamily EARLIEST_EXPIRY = MetricFamily.gauge("vigil_tls_earliest_expiry_timestamp_seconds",
        "Earliest notAfter among the presented certificates (Unix time).", "target");
    static final MetricFamily LEAF_EXPIRY = MetricFamily.gauge("vigil_tls_leaf_expiry_timestamp_seconds",
        "notAfter of the presented leaf certificate (Unix time).", "target");
    static final MetricFamily CHAIN_LENGTH = MetricFamily.gauge("vigil_tls_chain_certificates",
        "Number of certificates the server presented.", "target");
    static final MetricFamily BACKEND_MISMATCH = MetricFamily.gauge("vigil_tls_backend_mismatch",
        "With all_addresses: 1 when the addresses of the target presented different leaf certificates.", "target");
    static final MetricFamily ADDRESS_SUCCESS = MetricFamily.gauge("vigil_tls_address_success",
        "With all_addresses: 1 when this address completed the handshake with a verified chain; reason is its outcome.",
        "target", "address", "reason");
    static final MetricFamily ADDRESS_LEAF_EXPIRY = MetricFamily.gauge("vigil_tls_address_leaf_expiry_timestamp_seconds",
        "With all_addresses: notAfter of the leaf this address presented.", "target", "address");
    static final MetricFamily CERT_NOT_AFTER = MetricFamily.gauge("vigil_tls_cert_not_after_timestamp_seconds",
        "notAfter of each presented certificate (Unix time).", "target", "position", "index", "subject_cn", "issuer_cn");
    static final MetricFamily CERT_NOT_BEFORE = MetricFamily.gauge("vigil_tls_cert_not_before_timestamp_seconds",
        "notBefore of each presented certificate (Unix time).", "target", "position", "index", "subject_cn", "issuer_cn");
    static final MetricFamily CERT_INFO = MetricFamily.info("vigil_tls_cert_info",
        "Attributes of each presented certificate.", "target", "position", "index", "subject_cn", "issuer_cn", "serial",
        "fingerprint_sha256", "sans", "key_type", "key_bits", "signature_algorithm");
    static final MetricFamily CLIENT_CERT_NOT_AFTER = MetricFamily.gauge("vigil_tls_client_cert_not_after_timestamp_seconds",
        "notAfter of the client certificate vigil presents to this target (mTLS).", "target", "subject_cn");
    static final MetricFamily CLIENT_CERT_ERROR = MetricFamily.gauge("vigil_tls_client_cert_read_error",
        "1 when the configured client certificate or key could not be read at the last run.", "target");

    /** Failures before or around the handshake; a completed handshake fails with a chain verdict instead. */
    static final List<String> CONNECTION_REASONS = List.of("dns", "connect_refused", "connect_timeout",
        "connect_unreachable", "connect_failed", "starttls_rejected", "starttls_timeout", "protocol_error",
        "handshake_timeout", "handshake_failed", "client_cert_error", "ca_file_error");
    static final List<String> REASONS = java.util.stream.Stream.concat(CONNECTION_REASONS.stream(),
        ChainInspector.VERDICTS.stream().filter(v -> !v.equals(ChainInspector.OK))).toList();

    /** At most this many certificates of a chain are exported one by one (a 50-certificate chain is an attack). */
    static final int MAX_EXPORTED_CERTS = 20;

    /** One target's options; files are host paths already mapped through --path.rootfs. */
    record Spec(HostPort address, String serverName, String starttls, Path caFile, Path clientCertFile,
                Path clientKeyFile, Path clientPkcs12File, Path clientPkcs12PasswordFile, String ipFamily,
                boolean allAddresses, String provider) {
        boolean mtls() {
            return clientCertFile != null || clientPkcs12File != null;
        }
    }

    /** Options that a target inherits from the section's {@code defaults}. */
    private record Options(String serverName, String starttls, Path caFile, Path clientCertFile, Path clientKeyFile,
                           Path clientPkcs12File, Path clientPkcs12PasswordFile, String ipFamily, boolean allAddresses,
                           String provider) {
        static final Options NONE = new Options(null, "none", null, null, null, null, null, "any", false, TlsEngines.AUTO);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults);
        Section d = section.section("defaults");
        Options sectionOptions = options(d, Options.NONE);
        d.finish();
        List<Target> out = new ArrayList<>();
        for (Section t : section.sections("targets")) {
            String address = t.requiredString("target");
            String name = t.string("name", address);
            Timing timing = Timing.read(t, sectionTiming);
            Options o = options(t, sectionOptions);
            t.finish();
            if (address.isEmpty()) {
                continue;
            }
            HostPort hp;
            try {
                hp = HostPort.parse(address);
            } catch (IllegalArgumentException e) {
                t.error("target", e.getMessage());
                continue;
            }
            out.add(new Target(NAME, name, timing, new Spec(hp, o.serverName, o.starttls, o.caFile, o.clientCertFile,
                o.clientKeyFile, o.clientPkcs12File, o.clientPkcs12PasswordFile, o.ipFamily, o.allAddresses, o.provider)));
        }
        section.finish();
        return out;
    }

    private static Options options(Section s, Options inherited) {
        String serverName = s.string("server_name").orElse(inherited.serverName);
        String starttls = s.choice("starttls", inherited.starttls, StartTls.DIALECTS);
        Path ca = file(s, "ca_file", inherited.caFile);
        Path cert = file(s, "client_cert_file", inherited.clientCertFile);
        Path key = file(s, "client_key_file", inherited.clientKeyFile);
        Path p12 = file(s, "client_pkcs12_file", inherited.clientPkcs12File);
        Path p12pw = file(s, "client_pkcs12_password_file", inherited.clientPkcs12PasswordFile);
        String family = s.choice("ip_family", inherited.ipFamily, dev.vigil.net.IpFamily.NAMES);
        boolean all = s.bool("all_addresses", inherited.allAddresses);
        String provider = s.choice("provider", inherited.provider, TlsEngines.PROVIDERS);
        if (s.has("client_cert_file") != s.has("client_key_file")) {
            s.error(s.has("client_cert_file") ? "client_cert_file" : "client_key_file",
                "client_cert_file and client_key_file go together");
        }
        if (s.has("client_pkcs12_file") && s.has("client_cert_file")) {
            s.error("client_pkcs12_file", "give either client_pkcs12_file or client_cert_file/client_key_file, not both");
        }
        if (s.has("client_pkcs12_password_file") && p12 == null) {
            s.error("client_pkcs12_password_file", "needs client_pkcs12_file");
        }
        if (serverName != null && serverName.isBlank()) {
            s.error("server_name", "must not be empty");
            serverName = null;
        }
        return new Options(serverName, starttls, ca, cert, key, p12, p12pw, family, all, provider);
    }

    private static Path file(Section s, String key, Path inherited) {
        Optional<Path> p = s.readableFile(key);
        return p.orElse(inherited);
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new TlsProbe(target.name(), target.spec(Spec.class));
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(HANDSHAKE_DURATION, VERSION, CIPHER, VERIFIED, EARLIEST_EXPIRY, LEAF_EXPIRY, CHAIN_LENGTH,
            BACKEND_MISMATCH, ADDRESS_SUCCESS, ADDRESS_LEAF_EXPIRY, CERT_NOT_AFTER, CERT_NOT_BEFORE, CERT_INFO,
            CLIENT_CERT_NOT_AFTER, CLIENT_CERT_ERROR);
    }

    @Override
    public List<String> reasons() {
        return REASONS;
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("127.0.0.1:1", "--timeout", "2s");
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
