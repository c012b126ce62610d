package dev.vigil.cadvisor;

import dev.vigil.config.Secret;
import dev.vigil.net.BoundedHttp;
import dev.vigil.net.BoundedInputStream;
import dev.vigil.net.ClientTls;
import dev.vigil.net.Reasons;
import dev.vigil.net.TooLarge;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Polls one cAdvisor: fetches its exposition within the deadline (bounded in bytes), keeps the containers the filters
 * allow, follows them across polls, and exports the biggest {@code max_containers} of them.
 */
final class CadvisorProbe implements Probe {
    /**
     * Cgroups kept per poll (containers, pods, slices): with label values capped at {@link
     * dev.vigil.probe.SeriesLimits#MAX_LABEL_VALUE_LENGTH}, a poll holds at most a few tens of MB whatever cAdvisor
     * answers. Cgroups beyond it are counted, so the container count stays true.
     */
    static final int MAX_CGROUPS = 10_000;
    private final String target;
    private final CadvisorKind.Spec spec;
    private final ContainerTracker tracker;
    private final ClientTls tls;
    private BoundedHttp client;
    private String resolvedSource;

    CadvisorProbe(String target, CadvisorKind.Spec spec, Duration interval) {
        this.target = target;
        this.spec = spec;
        this.tls = new ClientTls(spec.tlsFiles());
        // a container gone for longer than this is forgotten (restart counting starts again if it comes back)
        this.tracker = new ContainerTracker(Math.max(Duration.ofHours(1).toMillis(), interval.toMillis() * 10));
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        details.put("url", spec.url().toString());
        CadvisorResponse response;
        try {
            response = fetch(deadline);
        } catch (ProbeFailure f) {
            samples.add(CadvisorKind.UP.sample(0, target));
            return ProbeResult.failed(f.reason(), f.getMessage(), samples, details);
        }
        long now = System.currentTimeMillis();
        samples.add(CadvisorKind.RESPONSE_BYTES.sample(response.bytes, target));
        if (response.scrapeError) {
            samples.add(CadvisorKind.UP.sample(0, target));
            return ProbeResult.failed("cadvisor_error", "cAdvisor reports container_scrape_error 1: it could not collect"
                + " container statistics", samples, details);
        }
        List<CgroupStats> containers = response.cgroups.values().stream().filter(CgroupStats::isContainer)
            .filter(spec.filter()::keeps).toList();
        List<ContainerTracker.View> views = new ArrayList<>(tracker.observe(containers, now));
        views.sort(Comparator.comparingDouble((ContainerTracker.View v) -> nanToZero(v.stats().workingSetBytes)).reversed());
        int dropped = Math.max(0, views.size() - spec.maxContainers());
        int total = views.size() + response.containersOverLimit;
        samples.add(CadvisorKind.UP.sample(1, target));
        samples.add(CadvisorKind.CONTAINERS.sample(total, target));
        samples.add(CadvisorKind.DROPPED.sample(dropped + response.containersOverLimit, target));
        for (ContainerTracker.View v : views.subList(0, views.size() - dropped)) {
            addContainer(samples, v);
        }
        details.put("containers", total + (dropped > 0 ? " (" + dropped + " over max_containers)" : "")
            + (response.cgroupsOverLimit > 0 ? " (" + response.cgroupsOverLimit + " cgroups over the limit of "
            + MAX_CGROUPS + " read per poll: counted, not kept)" : ""));
        details.put("response", response.bytes + " bytes from " + (resolvedSource != null ? resolvedSource : spec.source()));
        if (response.maxTimestampMillis > 0) {
            double age = Math.max(0, (now - response.maxTimestampMillis) / 1000.0);
            samples.add(CadvisorKind.DATA_AGE.sample(age, target));
            details.put("data age", String.format("%.1f s", age));
            if (age > spec.staleAfter().toSeconds()) {
                return ProbeResult.failed("stale", String.format("newest statistics are %.0f s old (stale_after %d s):"
                    + " cAdvisor stopped collecting", age, spec.staleAfter().toSeconds()), samples, details);
            }
        }
        return ProbeResult.ok(samples, details);
    }

    private void addContainer(List<Sample> samples, ContainerTracker.View v) {
        CgroupStats c = v.stats();
        String[] labels = {target, c.displayName(), c.pod, c.namespace, c.image};
        if (!Double.isNaN(c.workingSetBytes)) {
            samples.add(CadvisorKind.WORKING_SET.sample(c.workingSetBytes, labels));
        }
        if (hasLimit(c.memoryLimitBytes)) {
            samples.add(CadvisorKind.LIMIT.sample(c.memoryLimitBytes, labels));
            if (!Double.isNaN(c.workingSetBytes)) {
                samples.add(CadvisorKind.LIMIT_RATIO.sample(c.workingSetBytes / c.memoryLimitBytes, labels));
            }
        }
        if (!Double.isNaN(v.cpuSecondsTotal())) {
            samples.add(CadvisorKind.CPU.sample(v.cpuSecondsTotal(), labels));
        }
        if (!Double.isNaN(v.throttledRatio())) {
            samples.add(CadvisorKind.THROTTLED.sample(v.throttledRatio(), labels));
        }
        if (!Double.isNaN(v.oomEventsTotal())) {
            samples.add(CadvisorKind.OOM.sample(v.oomEventsTotal(), labels));
        }
        samples.add(CadvisorKind.RESTARTS.sample(v.restarts(), labels));
        if (!Double.isNaN(c.startTimeSeconds) && c.startTimeSeconds > 0) {
            samples.add(CadvisorKind.START_TIME.sample(c.startTimeSeconds, labels));
        }
    }

    /**
     * cAdvisor writes 0 for "no limit" and cgroup v1 writes the page-counter maximum (about 2^63): neither is a limit
     * anyone set, and dividing by either gives a meaningless ratio.
     */
    static boolean hasLimit(double limit) {
        return !Double.isNaN(limit) && limit > 0 && limit < 0x1p62;
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }

    /** Reads an answer body into a response. */
    private interface BodyReader {
        CadvisorResponse read(InputStream body) throws IOException, ProbeFailure;
    }

    /**
     * Polls with the configured source. {@code auto} tries the REST API first and falls back to the exposition when
     * the API is not there (an HTTP error or an answer that is not the API's), then sticks to what worked.
     */
    private CadvisorResponse fetch(Deadline deadline) throws ProbeFailure, InterruptedException {
        String source = resolvedSource != null ? resolvedSource : spec.source();
        if ("metrics".equals(source)) {
            return fetchMetrics(deadline);
        }
        if ("api".equals(source)) {
            return fetchApi(deadline);
        }
        try {
            CadvisorResponse r = fetchApi(deadline);
            resolvedSource = "api";
            return r;
        } catch (ProbeFailure f) {
            if (!f.reason().equals(Reasons.HTTP_STATUS) && !f.reason().equals(Reasons.BAD_RESPONSE)) {
                throw f;
            }
            CadvisorResponse r = fetchMetrics(deadline);
            resolvedSource = "metrics";
            return r;
        }
    }

    private CadvisorResponse fetchMetrics(Deadline deadline) throws ProbeFailure, InterruptedException {
        BoundedHttp.Request request = BoundedHttp.request(spec.url()).GET()
            .header("Accept", "text/plain;version=0.0.4");
        return fetch(request, deadline, body -> CadvisorResponse.read(body, spec.maxResponseBytes(), MAX_CGROUPS));
    }

    private CadvisorResponse fetchApi(Deadline deadline) throws ProbeFailure, InterruptedException {
        BoundedHttp.Request request = BoundedHttp.request(spec.apiUrl()).method("GET", CadvisorApi.REQUEST_BODY)
            .header("Content-Type", "application/json").header("Accept", "application/json");
        return fetch(request, deadline, body -> {
            BoundedInputStream bounded = new BoundedInputStream(body, spec.maxResponseBytes());
            CadvisorResponse r = CadvisorApi.read(bounded, MAX_CGROUPS);
            r.bytes = bounded.count();
            return r;
        });
    }

    private CadvisorResponse fetch(BoundedHttp.Request request, Deadline deadline, BodyReader reader)
        throws ProbeFailure, InterruptedException {
        request.header("Accept-Encoding", "gzip");
        if (spec.bearerTokenFile().isPresent()) {
            // re-read every poll: projected service-account tokens rotate
            BoundedHttp.bearer(request, readToken(spec.bearerTokenFile().get()),
                "bearer_token_file " + spec.bearerTokenFile().get());
        }
        BoundedHttp.Request built = request;
        // the transport's cap: a gzip body is at most as large as what it unpacks to, which the readers bound
        try (BoundedHttp.Streamed response = client().open(built, spec.maxResponseBytes(), deadline)) {
            if (response.status() != 200) {
                String reason = response.status() == 401 || response.status() == 403 ? Reasons.AUTH_REJECTED
                    : Reasons.HTTP_STATUS;
                throw new ProbeFailure(reason, built.uri() + " answered HTTP " + response.status());
            }
            boolean gzip = response.headers().firstValue("Content-Encoding").map("gzip"::equalsIgnoreCase).orElse(false);
            InputStream body = gzip ? new GZIPInputStream(response.body(), 16 * 1024) : response.body();
            return reader.read(body);
        } catch (TooLarge e) {
            throw new ProbeFailure(Reasons.TOO_LARGE, "response larger than max_response_size (" + spec.maxResponseBytes()
                + " bytes)");
        } catch (java.util.zip.ZipException e) {
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "corrupt gzip body: " + e.getMessage());
        } catch (java.net.SocketTimeoutException e) {
            throw new ProbeFailure(Reasons.TIMEOUT, "body not received within the timeout");
        } catch (IOException e) {
            if (deadline.expired()) {
                throw new ProbeFailure(Reasons.TIMEOUT, "body not received within the timeout");
            }
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "body cut off: " + e.getMessage());
        }
    }

    /** The client, built again when the CA file changed (the TLS material is re-read when its files change). */
    private BoundedHttp client() throws ProbeFailure {
        if (!"https".equals(spec.url().getScheme())) {
            if (client == null) {
                client = new BoundedHttp(null, spec.ipFamily());
            }
            return client;
        }
        try {
            ClientTls.Current c = tls.current();
            if (c.changed() || client == null) {
                client = new BoundedHttp(c.context(), spec.ipFamily());
            }
            return client;
        } catch (ClientTls.Unusable e) {
            throw new ProbeFailure(e.reason(), e.getMessage());
        }
    }

    private static Secret readToken(Path file) throws ProbeFailure {
        try {
            return Secret.read(file, "bearer_token_file", true);
        } catch (Secret.Unusable e) {
            throw new ProbeFailure(Reasons.AUTH_REJECTED, e.getMessage());
        }
    }
}
