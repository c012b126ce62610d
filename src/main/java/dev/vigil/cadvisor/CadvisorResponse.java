package dev.vigil.cadvisor;

import dev.vigil.net.Reasons;
import dev.vigil.probe.ExpositionLines;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.SeriesLimits;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads a cAdvisor {@code /metrics} exposition (or the kubelet's {@code /metrics/cadvisor}) as a stream, keeping per
 * cgroup only the few series vigil exports. Memory is bounded by {@code maxCgroups} and the label length limit of
 * {@link SeriesLimits}, not by the size or shape of the response; cgroups beyond the limit are counted, not kept.
 */
final class CadvisorResponse {
    static final String WORKING_SET = "container_memory_working_set_bytes";
    static final String MEMORY_LIMIT = "container_spec_memory_limit_bytes";
    static final String CPU_USAGE = "container_cpu_usage_seconds_total";
    static final String THROTTLED = "container_cpu_cfs_throttled_periods_total";
    static final String PERIODS = "container_cpu_cfs_periods_total";
    static final String OOM = "container_oom_events_total";
    static final String START_TIME = "container_start_time_seconds";
    static final String SCRAPE_ERROR = "container_scrape_error";
    private static final Set<String> WANTED = Set.of(WORKING_SET, MEMORY_LIMIT, CPU_USAGE, THROTTLED, PERIODS, OOM,
        START_TIME, SCRAPE_ERROR);
    private static final int MAX_LINE = 64 * 1024;

    final Map<String, CgroupStats> cgroups = new LinkedHashMap<>();
    long maxTimestampMillis = -1;
    boolean scrapeError;
    long bytes;
    int samples;
    /** Cgroups beyond {@code maxCgroups}: not kept, but counted (containers among them in {@link #containersOverLimit}). */
    int cgroupsOverLimit;
    int containersOverLimit;

    static CadvisorResponse read(InputStream in, long maxBytes, int maxCgroups) throws IOException, ProbeFailure {
        CadvisorResponse r = new CadvisorResponse();
        byte[] buf = new byte[16 * 1024];
        byte[] line = new byte[1024];
        int lineLength = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            r.bytes += n;
            if (r.bytes > maxBytes) {
                throw new ProbeFailure(Reasons.TOO_LARGE, "response larger than max_response_size (" + maxBytes + " bytes)");
            }
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    r.acceptBytes(line, lineLength, maxCgroups);
                    lineLength = 0;
                    continue;
                }
                if (lineLength == line.length) {
                    if (line.length >= MAX_LINE) {
                        throw new ProbeFailure(Reasons.BAD_RESPONSE, "a line longer than " + MAX_LINE + " bytes: not an exposition");
                    }
                    line = java.util.Arrays.copyOf(line, line.length * 2);
                }
                line[lineLength++] = b;
            }
        }
        if (lineLength > 0) {
            String last = new String(line, 0, lineLength, StandardCharsets.UTF_8).trim();
            if (!last.isEmpty()) {
                throw new ProbeFailure(Reasons.BAD_RESPONSE, "response truncated in the middle of a line after " + r.bytes + " bytes");
            }
        }
        if (r.samples == 0 && !r.scrapeError) {
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "no container series in the response (" + r.bytes + " bytes)");
        }
        return r;
    }

    /**
     * Looks at the metric name in the raw bytes first: only the lines of the few wanted families are decoded into
     * strings, which keeps a 40 MB poll from allocating several times its size.
     */
    private void acceptBytes(byte[] line, int length, int maxCgroups) throws ProbeFailure {
        int start = 0;
        while (start < length && (line[start] == ' ' || line[start] == '\t')) {
            start++;
        }
        if (start == length || line[start] == '#' || line[start] == '\r') {
            return;
        }
        int end = start;
        while (end < length && line[end] != '{' && line[end] != ' ') {
            byte c = line[end];
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || end > start && c >= '0' && c <= '9';
            if (!ok) {
                String text = new String(line, start, Math.min(40, length - start), StandardCharsets.UTF_8);
                throw new ProbeFailure(Reasons.BAD_RESPONSE, "not a Prometheus exposition (line starts \""
                    + text.replaceAll("[^ -~]", "?") + "\")");
            }
            end++;
        }
        if (!WANTED.contains(new String(line, start, end - start, StandardCharsets.US_ASCII))) {
            return;
        }
        accept(new String(line, start, length - start, StandardCharsets.UTF_8), maxCgroups);
    }

    /** Parses a line of a wanted family (its name already checked by {@link #acceptBytes}). */
    private void accept(String text, int maxCgroups) throws ProbeFailure {
        String name = ExpositionLines.name(text);
        ExpositionLines.Line l;
        try {
            l = ExpositionLines.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "malformed " + name + " line: " + e.getMessage());
        }
        if (SCRAPE_ERROR.equals(name)) {
            scrapeError |= l.value() > 0;
            return;
        }
        String id = l.labels().getOrDefault("id", "");
        CgroupStats c = cgroups.get(id);
        if (c == null) {
            if (cgroups.size() >= maxCgroups) {
                // counted once per cgroup (each has one working-set line), with nothing kept
                if (WORKING_SET.equals(name)) {
                    cgroupsOverLimit++;
                    CgroupStats probe = new CgroupStats(id);
                    labels(probe, l.labels());
                    if (probe.isContainer()) {
                        containersOverLimit++;
                    }
                }
                return;
            }
            c = new CgroupStats(id);
            cgroups.put(id, c);
        }
        samples++;
        if (l.timestampMillis() > maxTimestampMillis) {
            maxTimestampMillis = l.timestampMillis();
        }
        labels(c, l.labels());
        double v = l.value();
        switch (name) {
            case WORKING_SET -> c.workingSetBytes = v;
            case MEMORY_LIMIT -> c.memoryLimitBytes = v;
            case CPU_USAGE -> {
                c.hasCpu = true;
                if ("total".equals(l.labels().get("cpu"))) {
                    c.cpuSecondsTotalLabel = v;
                } else {
                    c.cpuSecondsSum += v;
                }
            }
            case THROTTLED -> c.throttledPeriods = v;
            case PERIODS -> c.periods = v;
            case OOM -> c.oomEvents = v;
            case START_TIME -> c.startTimeSeconds = v;
            default -> {
            }
        }
    }

    /** Kubelet labels (container, pod, namespace) or cAdvisor's Docker labels, whichever the response has. */
    private static void labels(CgroupStats c, Map<String, String> labels) {
        if (c.image.isEmpty()) {
            c.image = SeriesLimits.cap(labels.getOrDefault("image", ""));
        }
        if (c.name.isEmpty()) {
            c.name = SeriesLimits.cap(labels.getOrDefault("name", ""));
        }
        if (c.container.isEmpty()) {
            c.container = first(labels, "container", "container_name", "container_label_io_kubernetes_container_name");
        }
        if (c.pod.isEmpty()) {
            c.pod = first(labels, "pod", "pod_name", "container_label_io_kubernetes_pod_name");
        }
        if (c.namespace.isEmpty()) {
            c.namespace = first(labels, "namespace", "container_label_io_kubernetes_pod_namespace");
        }
    }

    private static String first(Map<String, String> labels, String... keys) {
        for (String k : keys) {
            String v = labels.get(k);
            if (v != null && !v.isEmpty()) {
                return SeriesLimits.cap(v);
            }
        }
        return "";
    }
}
