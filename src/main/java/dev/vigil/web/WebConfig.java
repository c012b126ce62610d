package dev.vigil.web;

import dev.vigil.config.ConfigError;
import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigReader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * {@code --web.config.file}, in the format of the Prometheus exporter toolkit, so existing files carry over:
 * <pre>
 * tls_server_config:
 *   cert_file: /etc/vigil/tls.crt
 *   key_file: /etc/vigil/tls.key
 *   client_auth_type: RequireAndVerifyClientCert
 *   client_ca_file: /etc/vigil/clients-ca.crt
 *   min_version: TLS12
 * basic_auth_users:
 *   prometheus: $2y$10$...   # bcrypt
 * </pre>
 */
public record WebConfig(Optional<Tls> tls, Map<String, String> basicAuthUsers) {
    static final List<String> CLIENT_AUTH = List.of("NoClientCert", "RequestClientCert", "RequireAnyClientCert",
        "VerifyClientCertIfGiven", "RequireAndVerifyClientCert");
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$\\d{2}\\$[./A-Za-z0-9]{53}");

    /** TLS of the agent's own endpoint. */
    public record Tls(Path certFile, Path keyFile, String clientAuthType, Optional<Path> clientCaFile, String minVersion) {
        /** Whether clients must present a certificate (Micronaut's "need") or may (its "want"). */
        public String micronautClientAuthentication() {
            return switch (clientAuthType) {
                case "RequireAnyClientCert", "RequireAndVerifyClientCert" -> "need";
                case "RequestClientCert", "VerifyClientCertIfGiven" -> "want";
                default -> "";
            };
        }

        public List<String> protocols() {
            return "TLS13".equals(minVersion) ? List.of("TLSv1.3") : List.of("TLSv1.3", "TLSv1.2");
        }
    }

    public static final WebConfig NONE = new WebConfig(Optional.empty(), Map.of());

    public static WebConfig load(Path file, HostPaths hostPaths) throws ConfigException {
        String text = dev.vigil.config.ConfigFiles.read(file, dev.vigil.config.ConfigFiles.MAX_CONFIG_BYTES);
        ConfigReader reader = new ConfigReader(file.toString(), hostPaths);
        Section top;
        try {
            top = Section.root(reader, new Yaml(new LoaderOptions()).compose(new StringReader(text)));
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            throw new ConfigException(List.of(new ConfigError(file.toString(), mark == null ? 0 : mark.getLine() + 1,
                mark == null ? 0 : mark.getColumn() + 1, "", "invalid YAML: " + e.getProblem())));
        }
        Optional<Tls> tls = Optional.empty();
        Section t = top.section("tls_server_config");
        if (t.isPresent()) {
            if (!t.has("cert_file")) {
                t.error("", "cert_file and key_file are required for TLS");
            }
            Optional<Path> cert = t.readableFile("cert_file");
            Optional<Path> key = t.readableFile("key_file");
            String auth = t.choice("client_auth_type", "NoClientCert", CLIENT_AUTH);
            Optional<Path> ca = t.readableFile("client_ca_file");
            String min = t.choice("min_version", "TLS12", List.of("TLS12", "TLS13"));
            t.strings("cipher_suites"); // accepted for compatibility; the JDK's and BoringSSL's defaults are used
            t.bool("prefer_server_cipher_suites", true);
            t.strings("curve_preferences");
            if (!"NoClientCert".equals(auth) && !"RequestClientCert".equals(auth) && !"RequireAnyClientCert".equals(auth)
                && ca.isEmpty()) {
                t.error("client_auth_type", auth + " needs client_ca_file");
            }
            t.finish();
            if (cert.isPresent() && key.isPresent()) {
                tls = Optional.of(new Tls(cert.get(), key.get(), auth, ca, min));
            } else if (cert.isPresent() != key.isPresent()) {
                t.error(cert.isPresent() ? "cert_file" : "key_file", "cert_file and key_file go together");
            }
        }
        Map<String, String> users = new LinkedHashMap<>();
        Section b = top.section("basic_auth_users");
        if (b.isPresent() && b.node() instanceof org.yaml.snakeyaml.nodes.MappingNode m) {
            for (var tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof org.yaml.snakeyaml.nodes.ScalarNode k) {
                    String user = k.getValue();
                    String hash = b.string(user, "");
                    if (!BCRYPT.matcher(hash).matches()) {
                        b.error(user, "not a bcrypt hash (make one with: htpasswd -nBC 10 \"\" | tr -d ':\\n')");
                    } else {
                        users.put(user, hash);
                    }
                }
            }
        }
        b.finish();
        Section http = top.section("http_server_config");
        http.bool("http2", true);
        http.expect("headers"); // accepted for compatibility with exporter-toolkit files; not applied
        http.finish();
        top.finish();
        if (reader.hasErrors()) {
            throw new ConfigException(reader.errors());
        }
        return new WebConfig(tls, Map.copyOf(users));
    }
}
