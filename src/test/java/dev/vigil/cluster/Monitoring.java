package dev.vigil.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.alerts.AlertRules;
import dev.vigil.it.AgentProcess;
import dev.vigil.it.LoggedProcess;
import dev.vigil.it.Tools;
import java.io.IOException;
import java.net.InetSocketAddress;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The monitoring side, in the root namespace on loopback: Debian's Prometheus (scrape and evaluation every second)
 * scraping the five agents over the bridge with the shipped rules, Debian's Alertmanager with the example
 * configuration, and a webhook receiver (a JDK HTTP server) that records every notification.
 *
 * <p>Copies of the shipped files change only time, as in AlertPathIT: the rules with every {@code for:} set to
 * {@link #FOR} (read and written back with SnakeYAML; expressions, windows, labels unchanged) but those of
 * {@link #SHIPPED_FOR}, which keep theirs; the Alertmanager
 * example with its receivers' URLs at the webhook and the group waits and intervals of every route at 1s.
 */
final class Monitoring implements AutoCloseable {
    static final Path RULES = Path.of("alerts/vigil.rules.yml");
    static final Path AM_EXAMPLE = Path.of("packaging/alertmanager/alertmanager.example.yml");
    static final String FOR = "5s";
    /**
     * Alerts on latency measured over a window between two probe runs: healing a partition or restarting a member
     * leaves one slow window behind (the first round trips after a reconnect), which their shipped {@code for:} of 10
     * minutes exists to ride out. Shortened to seconds they would page for it; no fault of the matrix is about them.
     */
    static final java.util.Set<String> SHIPPED_FOR = java.util.Set.of("EtcdPeerRoundTripSlow", "EtcdWalFsyncSlow",
        "EtcdWalFsyncCritical", "EtcdBackendCommitSlow", "EtcdBackendCommitCritical");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One notification's alert as the webhook received it. */
    record Notified(long atMillis, String receiver, String status, Map<String, String> labels) {
        String name() {
            return labels.get("alertname");
        }
    }

    /** One series of Prometheus' ALERTS. */
    record Alert(String name, String state, Map<String, String> labels) {
        boolean firing() {
            return state.equals("firing");
        }
    }

    final List<Notified> notified = Collections.synchronizedList(new ArrayList<>());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final List<LoggedProcess> procs = new ArrayList<>();
    private HttpServer webhook;
    private URI prom;

    void start(Path dir, List<String> targets) throws Exception {
        String prometheus = Tools.require("prometheus", "prometheus");
        String alertmanager = Tools.require("prometheus-alertmanager", "prometheus-alertmanager");
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        for (String receiver : List.of("pager", "ticket", "watchdog", "blackhole")) {
            webhook.createContext("/" + receiver, exchange -> {
                try (exchange) {
                    JsonNode body = JSON.readTree(exchange.getRequestBody());
                    long now = System.currentTimeMillis();
                    for (JsonNode a : body.path("alerts")) {
                        Map<String, String> labels = new TreeMap<>();
                        a.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                        notified.add(new Notified(now, receiver, a.path("status").asText(), labels));
                    }
                    exchange.sendResponseHeaders(200, -1);
                }
            });
        }
        webhook.start();
        int amPort = AgentProcess.freePort();
        int promPort = AgentProcess.freePort();
        Path amConfig = Files.writeString(dir.resolve("alertmanager.yml"), alertmanagerCopy(webhook.getAddress().getPort()));
        Path rules = Files.writeString(dir.resolve("rules.yml"), rulesCopy());
        Path promConfig = Files.writeString(dir.resolve("prometheus.yml"), """
            global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms}
            rule_files: [%s]
            alerting:
              alertmanagers: [{static_configs: [{targets: ["127.0.0.1:%d"]}]}]
            scrape_configs:
              - job_name: vigil
                static_configs: [{targets: %s}]
            """.formatted(rules, amPort, JSON.writeValueAsString(targets)));
        procs.add(LoggedProcess.start("alertmanager", dir.resolve("alertmanager.log"), Map.of(), List.of(alertmanager,
            "--config.file=" + amConfig, "--storage.path=" + dir.resolve("am-data"),
            "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=")));
        procs.add(LoggedProcess.start("prometheus", dir.resolve("prometheus.log"), Map.of(), List.of(prometheus,
            "--config.file=" + promConfig, "--storage.tsdb.path=" + dir.resolve("prom-data"),
            "--web.listen-address=127.0.0.1:" + promPort, "--rules.alert.resend-delay=2s")));
        prom = URI.create("http://127.0.0.1:" + promPort);
        Waits.until("Alertmanager and Prometheus ready", Duration.ofSeconds(60),
            () -> ok(URI.create("http://127.0.0.1:" + amPort + "/-/ready")) && ok(prom.resolve("/-/ready")),
            () -> procs.stream().map(p -> p + "\n" + p.tail(10)).reduce("", String::concat));
    }

    private boolean ok(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    JsonNode query(String expr) throws Exception {
        URI uri = prom.resolve("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new AssertionError(expr + ": " + r.body());
        }
        return body.at("/data/result");
    }

    /** Every ALERTS series, pending and firing, but the Watchdog's. */
    List<Alert> alerts() throws Exception {
        List<Alert> out = new ArrayList<>();
        for (JsonNode r : query("ALERTS{alertname!=\"Watchdog\"}")) {
            Map<String, String> labels = new TreeMap<>();
            r.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            String name = labels.remove("alertname");
            String state = labels.remove("alertstate");
            labels.remove("__name__");
            out.add(new Alert(name, state, labels));
        }
        return out;
    }

    boolean watchdogFiring() throws Exception {
        return !query("ALERTS{alertname=\"Watchdog\",alertstate=\"firing\"}").isEmpty();
    }

    String logs() {
        return procs.stream().map(p -> "--- " + p + "\n" + p.tail(10)).reduce("", (a, b) -> a + b + "\n");
    }

    /** The {@code for:} of every alert of the shipped rules, in seconds (0 without one). */
    @SuppressWarnings("unchecked")
    static Map<String, Long> shippedFor() throws IOException {
        Map<String, Long> out = new TreeMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) yaml(RULES).get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.containsKey("alert")) {
                    out.put((String) rule.get("alert"), seconds((String) rule.getOrDefault("for", "0s")));
                }
            }
        }
        return out;
    }

    static long seconds(String duration) {
        long n = Long.parseLong(duration.replaceAll("[a-z]+$", ""));
        return switch (duration.replaceAll("^\\d+", "")) {
            case "s" -> n;
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> throw new IllegalArgumentException(duration);
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        return (Map<String, Object>) new Yaml(new LoaderOptions()).load(Files.readString(file));
    }

    static String rulesCopy() throws IOException {
        return AlertRules.withFor(alert -> SHIPPED_FOR.contains(alert) ? null : FOR);
    }

    @SuppressWarnings("unchecked")
    static String alertmanagerCopy(int webhookPort) throws IOException {
        Map<String, Object> doc = yaml(AM_EXAMPLE);
        for (Map<String, Object> receiver : (List<Map<String, Object>>) doc.get("receivers")) {
            for (Map<String, Object> hook : (List<Map<String, Object>>) receiver.getOrDefault("webhook_configs", List.of())) {
                hook.put("url", "http://127.0.0.1:" + webhookPort + "/" + receiver.get("name"));
            }
        }
        Map<String, Object> route = (Map<String, Object>) doc.get("route");
        Function<Map<String, Object>, Object> shorten = r -> {
            r.put("group_wait", "1s");
            return r.put("group_interval", "1s");
        };
        shorten.apply(route);
        ((List<Map<String, Object>>) route.get("routes")).forEach(shorten::apply);
        return dump(doc);
    }

    private static String dump(Object doc) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setWidth(4096);
        return new Yaml(o).dump(doc);
    }

    @Override
    public void close() throws Exception {
        for (LoggedProcess p : procs) {
            p.stop();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }
}
