package dev.vigil.cadvisor;

import dev.vigil.config.Durations;
import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.net.ClientTls;
import dev.vigil.net.IpFamily;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Kind {@code cadvisor}: the handful of container verdicts worth a page, out of the thousands of series cAdvisor (or the
 * kubelet's embedded cAdvisor) exposes: near the memory limit, throttled, OOM-killed, restarting.
 */
public final class CadvisorKind implements ProbeKind {
    public static final String NAME = "cadvisor";
    static final String[] CONTAINER_LABELS = {"target", "container", "pod", "namespace", "image"};

    static final MetricFamily UP = MetricFamily.gauge("vigil_cadvisor_up",
        "1 if cAdvisor answered with container statistics at the last poll.", "target");
    static final MetricFamily CONTAINERS = MetricFamily.gauge("vigil_cadvisor_containers",
        "Containers cAdvisor reported at the last poll, after include/exclude filters.", "target");
    static final MetricFamily DROPPED = MetricFamily.gauge("vigil_cadvisor_containers_dropped",
        "Containers left out at the last poll because of max_containers (the smallest by working set).", "target");
    static final MetricFamily DATA_AGE = MetricFamily.gauge("vigil_cadvisor_data_age_seconds",
        "Age of the newest sample timestamp in cAdvisor's answer at the last poll.", "target");
    static final MetricFamily RESPONSE_BYTES = MetricFamily.gauge("vigil_cadvisor_response_bytes",
        "Size of cAdvisor's answer at the last poll.", "target");
    static final MetricFamily WORKING_SET = MetricFamily.gauge("vigil_container_memory_working_set_bytes",
        "Working set of the container (what the OOM killer judges).", CONTAINER_LABELS);
    static final MetricFamily LIMIT = MetricFamily.gauge("vigil_container_memory_limit_bytes",
        "Memory limit of the container; no series when it has none.", CONTAINER_LABELS);
    static final MetricFamily LIMIT_RATIO = MetricFamily.gauge("vigil_container_memory_limit_ratio",
        "Working set divided by the memory limit; no series when the container has no limit.", CONTAINER_LABELS);
    static final MetricFamily CPU = MetricFamily.counter("vigil_container_cpu_usage_seconds_total",
        "CPU time used by the container, kept across its restarts as observed by the agent.", CONTAINER_LABELS);
    static final MetricFamily THROTTLED = MetricFamily.gauge("vigil_container_cpu_throttled_ratio",
        "Share of CFS periods in which the container was throttled, over the last poll interval.", CONTAINER_LABELS);
    static final MetricFamily OOM = MetricFamily.counter("vigil_container_oom_events_total",
        "OOM kills in the container, kept across its restarts as observed by the agent.", CONTAINER_LABELS);
    static final MetricFamily RESTARTS = MetricFamily.counter("vigil_container_restarts_total",
        "Restarts of the container observed by the agent (same name, new cgroup id or start time).", CONTAINER_LABELS);
    static final MetricFamily START_TIME = MetricFamily.gauge("vigil_container_start_time_seconds",
        "Start time of the container's current incarnation.", CONTAINER_LABELS);

    /** Upper bound of max_containers: its series stay under the per-target series limit of SeriesLimits. */
    static final int MAX_CONTAINERS = 2_000;

    /** Settings of one cAdvisor target. */
    record Spec(URI url, URI apiUrl, String source, Optional<Path> bearerTokenFile, Optional<Path> caFile, boolean insecureSkipVerify,
                ContainerFilter filter, int maxContainers, long maxResponseBytes, Duration staleAfter,
                Optional<Path> certFile, Optional<Path> keyFile, IpFamily ipFamily) {
        ClientTls.Files tlsFiles() {
            return new ClientTls.Files(caFile.orElse(null), certFile.orElse(null), keyFile.orElse(null), null, null,
                insecureSkipVerify);
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
        for (Section t : section.sections("targets")) {
            Timing timing = Timing.read(t, sectionTiming);
            String target = t.requiredString("target");
            String name = t.string("name", target);
            String source = t.choice("source", "auto", List.of("auto", "api", "metrics"));
            String path = t.string("metrics_path", "/metrics");
            Optional<Path> token = t.readableFile("bearer_token_file");
            Optional<Path> ca = t.readableFile("ca_file");
            Optional<Path> cert = t.readableFile("cert_file");
            Optional<Path> key = t.readableFile("key_file");
            IpFamily family = IpFamily.of(t.choice("ip_family", "any", IpFamily.NAMES));
            boolean insecure = t.bool("tls_insecure_skip_verify", false);
            ContainerFilter filter = ContainerFilter.read(t);
            int max = t.integer("max_containers", 500, 1, MAX_CONTAINERS);
            long maxBytes = t.size("max_response_size", 64L << 20, 1L << 10, 1L << 30);
            Duration staleAfter = t.duration("stale_after", Duration.ofMinutes(2), Duration.ofSeconds(1), Durations.MAX);
            t.finish();
            if (target.isEmpty()) {
                continue;
            }
            URI base;
            try {
                base = URI.create(target);
                if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme()) || base.getHost() == null) {
                    t.error("target", "\"" + target + "\" is not an http:// or https:// URL");
                    continue;
                }
            } catch (IllegalArgumentException e) {
                t.error("target", "\"" + target + "\" is not an http:// or https:// URL");
                continue;
            }
            if (!path.startsWith("/")) {
                t.error("metrics_path", "must start with /");
                continue;
            }
            if (t.has("cert_file") != t.has("key_file")) {
                t.error(t.has("cert_file") ? "key_file" : "cert_file", "cert_file and key_file go together");
                continue;
            }
            boolean https = "https".equals(base.getScheme());
            for (String k : List.of("ca_file", "cert_file", "key_file")) {
                if (t.has(k) && !https) {
                    t.error(k, "TLS files need an https:// target");
                }
            }
            if (!https && (t.has("ca_file") || t.has("cert_file"))) {
                continue;
            }
            URI url = base.resolve(path);
            URI apiUrl = base.resolve(CadvisorApi.PATH);
            Spec spec = new Spec(url, apiUrl, source, token, ca, insecure, filter, max, maxBytes, staleAfter, cert, key,
                family);
            if (https && (ca.isPresent() || cert.isPresent())) {
                try {
                    ClientTls.load(spec.tlsFiles());
                } catch (ClientTls.Unusable e) {
                    t.error(cert.isPresent() ? "cert_file" : "ca_file", e.getMessage());
                    continue;
                }
            }
            out.add(t, new Target(NAME, name, timing, spec));
        }
        section.finish();
        return out.toList();
    }

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new CadvisorProbe(target.name(), target.spec(Spec.class), target.timing().interval());
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(UP, CONTAINERS, DROPPED, DATA_AGE, RESPONSE_BYTES, WORKING_SET, LIMIT, LIMIT_RATIO, CPU, THROTTLED,
            OOM, RESTARTS, START_TIME);
    }

    @Override
    public List<String> reasons() {
        // the common reasons of an HTTP exchange, then cAdvisor's own
        return List.of(dev.vigil.net.Reasons.DNS, dev.vigil.net.Reasons.CONNECT_REFUSED, dev.vigil.net.Reasons.CONNECT_TIMEOUT, dev.vigil.net.Reasons.CONNECT_UNREACHABLE, dev.vigil.net.Reasons.CONNECT_FAILED, dev.vigil.net.Reasons.HANDSHAKE_FAILED, dev.vigil.net.Reasons.CA_FILE_ERROR, dev.vigil.net.Reasons.CLIENT_CERT_ERROR, dev.vigil.net.Reasons.HTTP_STATUS, dev.vigil.net.Reasons.AUTH_REJECTED, dev.vigil.net.Reasons.BAD_RESPONSE, dev.vigil.net.Reasons.TOO_LARGE,
            "stale", "cadvisor_error");
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("http://127.0.0.1:1", "--timeout", "2s");
    }

    @Override
    public boolean inDefaultConfiguration() {
        return false; // no node serves cAdvisor without credentials on a known port
    }
}
