package dev.vigil.etcd;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.net.IpFamily;
import dev.vigil.probe.CommandLineYaml;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kind {@code etcd}: members, leader, quorum and fault tolerance of an etcd cluster. Two modes: {@code local} asks the
 * member on this node through its certificate-free listener ({@code /health}, {@code /readyz}, {@code /metrics});
 * {@code cluster} asks every member through the client port's JSON gateway with a client certificate.
 *
 * <pre>
 * etcd:
 *   timeout: 5s
 *   clusters:
 *     - name: k3s                 # the target label
 *       preset: k3s               # local: http://127.0.0.1:2381; cluster: https://127.0.0.1:2379 + k3s's files
 *     - name: main
 *       mode: cluster
 *       endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379]
 *       ca_file: /etc/etcd/ca.crt
 *       cert_file: /etc/etcd/vigil.crt
 *       key_file: /etc/etcd/vigil.key
 * </pre>
 */
public final class EtcdKind implements ProbeKind {
    public static final String NAME = "etcd";
    static final String LOCAL = "local";
    static final String CLUSTER = "cluster";
    static final String K3S = "k3s";
    static final String K3S_LOCAL_ENDPOINT = "http://127.0.0.1:2381";
    static final String K3S_CLIENT_ENDPOINT = "https://127.0.0.1:2379";
    static final String K3S_TLS_DIR = "/var/lib/rancher/k3s/server/tls/etcd/";
    static final String K3S_CA = K3S_TLS_DIR + "server-ca.crt";
    static final String K3S_CERT = K3S_TLS_DIR + "server-client.crt";
    static final String K3S_KEY = K3S_TLS_DIR + "server-client.key";

    /**
     * One configured cluster.
     *
     * @param endpoints where to start: the member in local mode, seeds for the member list in cluster mode
     * @param ca        CA bundle to verify the members (null: the JDK's trust store)
     * @param cert      client certificate (null: none)
     * @param key       its key (null when cert is null)
     * @param ipFamily  which of the endpoints' addresses to use, in which order
     */
    record Spec(String mode, List<URI> endpoints, Path ca, Path cert, Path key, IpFamily ipFamily) {
        boolean cluster() {
            return CLUSTER.equals(mode);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults);
        TargetList out = new TargetList();
        for (Section c : section.sections("clusters")) {
            Optional<Target> t = cluster(c, sectionTiming);
            c.finish();
            t.ifPresent(target -> out.add(c, target));
        }
        section.finish();
        return out.toList();
    }

    private Optional<Target> cluster(Section c, Timing sectionTiming) {
        String preset = c.choice("preset", "", List.of(K3S));
        String mode = c.choice("mode", LOCAL, List.of(LOCAL, CLUSTER));
        boolean k3s = preset.equals(K3S);
        List<String> endpointTexts = c.strings("endpoints");
        if (endpointTexts.isEmpty() && k3s) {
            endpointTexts = List.of(mode.equals(CLUSTER) ? K3S_CLIENT_ENDPOINT : K3S_LOCAL_ENDPOINT);
        }
        String name = c.string("name", k3s ? K3S : endpointTexts.isEmpty() ? "" : endpointTexts.get(0));
        Timing timing = Timing.read(c, sectionTiming);
        IpFamily family = IpFamily.of(c.choice("ip_family", "any", IpFamily.NAMES));
        boolean k3sFiles = k3s && mode.equals(CLUSTER);
        List<String> missing = new ArrayList<>();
        Path ca = file(c, "ca_file", k3sFiles ? K3S_CA : null, missing);
        Path cert = file(c, "cert_file", k3sFiles ? K3S_CERT : null, missing);
        Path key = file(c, "key_file", k3sFiles ? K3S_KEY : null, missing);
        boolean ok = true;
        if (!missing.isEmpty()) {
            c.error("preset", "preset k3s in cluster mode reads " + String.join(", ", missing) + ", which this user "
                + "cannot read (is this a k3s server node with embedded etcd? run as a user that may read them, set "
                + "ca_file/cert_file/key_file, or use the local mode)");
            ok = false;
        }
        if (endpointTexts.isEmpty()) {
            c.error("endpoints", "missing: give the member URLs (e.g. [" + K3S_LOCAL_ENDPOINT + "]) or preset: k3s");
            ok = false;
        }
        List<URI> endpoints = new ArrayList<>();
        for (String e : endpointTexts) {
            Optional<URI> u = endpoint(c, e);
            u.ifPresent(endpoints::add);
            ok &= u.isPresent();
        }
        if (mode.equals(LOCAL)) {
            if (endpoints.size() > 1) {
                c.error("endpoints", "local mode asks the one member on this node: give one endpoint (or use "
                    + "mode: cluster to ask every member)");
                ok = false;
            }
            for (String k : List.of("cert_file", "key_file")) {
                if (c.has(k)) {
                    c.error(k, "local mode uses no client certificate (the metrics listener needs none): use "
                        + "mode: cluster for the client port");
                    ok = false;
                }
            }
        } else if ((cert == null) != (key == null)) {
            c.error(cert == null ? "key_file" : "cert_file", "cert_file and key_file go together");
            ok = false;
        }
        if (ok && (cert != null || ca != null)) {
            ok = tlsMaterialLoads(c, ca, cert, key);
        }
        if (!ok || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Target(NAME, name, timing, new Spec(mode, List.copyOf(endpoints), ca, cert, key, family)));
    }

    /** A file key, or the preset's file (which must then be readable: the user asked for cluster mode on k3s). */
    private static Path file(Section c, String key, String presetPath, List<String> missing) {
        if (c.has(key)) {
            return c.readableFile(key).orElse(null);
        }
        if (presetPath == null) {
            return null;
        }
        Path p = c.reader().hostPaths().resolve(presetPath);
        if (!Files.isReadable(p)) {
            missing.add(presetPath);
        }
        return p;
    }

    private static Optional<URI> endpoint(Section c, String text) {
        if (!text.contains("://")) {
            c.error("endpoints", "\"" + text + "\" is not a URL: write https://HOST:PORT for a client port or "
                + "http://HOST:PORT for a metrics listener");
            return Optional.empty();
        }
        try {
            URI u = new URI(text.trim());
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null
                || u.getPort() < 0) {
                c.error("endpoints", "\"" + text + "\" is not an http:// or https:// URL with host and port "
                    + "(e.g. https://10.0.0.1:2379)");
                return Optional.empty();
            }
            return Optional.of(new URI(u.getScheme(), null, u.getHost(), u.getPort(), "/", null, null));
        } catch (URISyntaxException e) {
            c.error("endpoints", "\"" + text + "\" is not a URL: " + e.getReason());
            return Optional.empty();
        }
    }

    /** Loads the PEM files once at configuration time, so a broken key fails check-config, not a probe. */
    private static boolean tlsMaterialLoads(Section c, Path ca, Path cert, Path key) {
        if ((ca != null && !Files.isReadable(ca)) || (cert != null && !Files.isReadable(cert))
            || (key != null && !Files.isReadable(key))) {
            return false; // already reported
        }
        try {
            dev.vigil.net.ClientTls.load(dev.vigil.net.ClientTls.Files.of(ca, cert, key));
            return true;
        } catch (dev.vigil.net.ClientTls.Unusable e) {
            c.error(cert != null ? "cert_file" : "ca_file", e.getMessage());
            return false;
        }
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        Spec spec = target.spec(Spec.class);
        return spec.cluster() ? new ClusterProbe(target.name(), spec) : new LocalProbe(target.name(), spec);
    }

    @Override
    public List<MetricFamily> metrics() {
        return EtcdMetrics.ALL;
    }

    @Override
    public List<String> reasons() {
        // the common reasons of an HTTP exchange with a client certificate, then etcd's own verdicts
        return List.of(dev.vigil.net.Reasons.DNS, dev.vigil.net.Reasons.CONNECT_REFUSED, dev.vigil.net.Reasons.CONNECT_TIMEOUT, dev.vigil.net.Reasons.CONNECT_UNREACHABLE, dev.vigil.net.Reasons.CONNECT_FAILED, dev.vigil.net.Reasons.HANDSHAKE_FAILED, dev.vigil.net.Reasons.CA_FILE_ERROR, dev.vigil.net.Reasons.HTTP_STATUS, dev.vigil.net.Reasons.AUTH_REJECTED, dev.vigil.net.Reasons.BAD_RESPONSE, dev.vigil.net.Reasons.TOO_LARGE,
            dev.vigil.net.Reasons.CLIENT_CERT_ERROR, Reasons.NO_LEADER, Reasons.QUORUM_LOST, Reasons.UNHEALTHY);
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("http://127.0.0.1:1", "--timeout", "2s");
    }

    /**
     * {@code vigil probe etcd URL [--cacert F --cert F --key F] [--mode M] [--preset k3s]}: etcdctl's option names.
     * Without {@code --mode}, a client certificate or an https URL means cluster mode, a plain http URL local mode;
     * the target {@code k3s} stands for the k3s preset.
     */
    @Override
    public String commandLineSection(String target, Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("clusters:\n  - name: ").append(CommandLineYaml.quote(target)).append('\n');
        boolean preset = target.equals(K3S) || options.containsKey("preset");
        if (target.equals(K3S) && !options.containsKey("preset")) {
            yaml.append("    preset: k3s\n");
        } else if (!target.equals(K3S)) {
            yaml.append("    endpoints: [").append(CommandLineYaml.quote(target)).append("]\n");
        }
        boolean certificate = options.containsKey("cert") || options.containsKey("cert_file");
        if (!options.containsKey("mode") && !preset && (certificate || target.startsWith("https:"))) {
            yaml.append("    mode: cluster\n");
        }
        options.forEach((k, v) -> {
            String key = switch (k) {
                case "cacert" -> "ca_file";
                case "cert" -> "cert_file";
                case "key" -> "key_file";
                default -> k;
            };
            yaml.append("    ").append(key).append(": ").append(CommandLineYaml.quote(v)).append('\n');
        });
        return yaml.toString();
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
