package dev.vigil.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Prometheus as an integration test runs it: one scrape job {@code vigil} over the given targets, scraping
 * and evaluating every second, with the rules it is given (a copy of the shipped ones, see
 * {@code AlertRules.withFor}), on a free loopback port, its output in a log file. {@link #close()} stops it by its pid
 * (SIGTERM, then SIGKILL after 10 s). No Alertmanager: the test reads the alerts' state from Prometheus' API.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LoggedProcess process;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** One alert of {@code /api/v1/alerts}: its name, {@code pending} or {@code firing}, and its other labels. */
    public record Alert(String name, String state, Map<String, String> labels, Map<String, String> annotations) {
        public boolean firing() {
            return state.equals("firing");
        }
    }

    private PrometheusServer(LoggedProcess process, URI base) {
        this.process = process;
        this.base = base;
    }

    /**
     * Starts Prometheus in {@code dir} (configuration, rules, data, log) and returns once it is ready; skips the test
     * where Debian's {@code prometheus} is not installed.
     */
    public static PrometheusServer start(Path dir, String rules, List<String> targets, Duration ready)
        throws Exception {
        String prometheus = Tools.require("prometheus", "prometheus");
        int port = AgentProcess.freePort();
        Path rulesFile = Files.writeString(dir.resolve("rules.yml"), rules);
        Path config = Files.writeString(dir.resolve("prometheus.yml"), """
            global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms}
            rule_files: [%s]
            scrape_configs:
              - job_name: vigil
                static_configs: [{targets: %s}]
            """.formatted(rulesFile, JSON.writeValueAsString(targets)));
        LoggedProcess p = LoggedProcess.start("prometheus", dir.resolve("prometheus.log"), Map.of(), List.of(prometheus,
            "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
            "--web.listen-address=127.0.0.1:" + port));
        PrometheusServer server = new PrometheusServer(p, URI.create("http://127.0.0.1:" + port));
        try {
            server.await("Prometheus ready", ready, server::ready);
            return server;
        } catch (Exception | AssertionError e) {
            server.close();
            throw e;
        }
    }

    /** A condition polled against this Prometheus. */
    public interface Check {
        boolean test() throws Exception;
    }

    /**
     * Polls {@code check} every 250 ms until it holds; fails after {@code timeout} with the end of Prometheus' log, or
     * at once when Prometheus has exited.
     */
    public void await(String what, Duration timeout, Check check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!check.test()) {
            if (!process.alive() || System.nanoTime() > end) {
                throw new AssertionError(what + ": not reached within " + timeout + (process.alive() ? ""
                    : " (Prometheus exited)") + "\n" + tail(20));
            }
            TimeUnit.MILLISECONDS.sleep(250); // paces the polling; the condition decides
        }
    }

    private boolean ready() {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode get(String pathAndQuery) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError(pathAndQuery + ": " + r.body());
        }
        return body.path("data");
    }

    /** The result of an instant query (an array of series with {@code metric} and {@code value}). */
    public JsonNode query(String expr) throws Exception {
        return get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).path("result");
    }

    /** The value of the first series an instant query returns, or NaN when it returns none. */
    public double value(String expr) throws Exception {
        JsonNode result = query(expr);
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** Every alert Prometheus holds now, pending or firing ({@code /api/v1/alerts}). */
    public List<Alert> alerts() throws Exception {
        List<Alert> out = new ArrayList<>();
        for (JsonNode a : get("/api/v1/alerts").path("alerts")) {
            Map<String, String> labels = map(a.path("labels"));
            out.add(new Alert(labels.remove("alertname"), a.path("state").asText(), labels,
                map(a.path("annotations"))));
        }
        return out;
    }

    /** The alerting rule named {@code alert} as {@code /api/v1/rules} shows it (state, health, last evaluation). */
    public JsonNode rule(String alert) throws Exception {
        for (JsonNode group : get("/api/v1/rules?type=alert").path("groups")) {
            for (JsonNode r : group.path("rules")) {
                if (alert.equals(r.path("name").asText())) {
                    return r;
                }
            }
        }
        throw new AssertionError("no alerting rule " + alert + " loaded");
    }

    private static Map<String, String> map(JsonNode object) {
        Map<String, String> m = new TreeMap<>();
        object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    public long pid() {
        return process.pid();
    }

    /** The last {@code lines} lines of Prometheus' log. */
    public String tail(int lines) {
        return process.tail(lines);
    }

    @Override
    public void close() throws InterruptedException {
        process.stop();
    }
}
