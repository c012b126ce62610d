package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log sink stalls (stderr is a pipe nobody reads, as with a stuck journald or a full disk behind a pipe): the agent
 * must go on probing and serving, dropping log lines rather than blocking on them.
 */
class StalledLogIT {
    private static final Pattern LAST_RUN = Pattern.compile("vigil_probe_last_run_timestamp_seconds\\{kind=\"tcp\",target=\"t0\"} (\\S+)");
    @TempDir
    Path dir;

    @Test
    void probingAndScrapesGoOnWhenNobodyReadsTheLogs() throws Exception {
        StringBuilder yaml = new StringBuilder("defaults: {interval: 300ms, timeout: 250ms, jitter: 300ms}\ntcp:\n  targets:\n");
        for (int i = 0; i < 1500; i++) {
            // refused and resolved alternately: every target changes state often enough to log
            yaml.append("    - {target: \"").append(i % 2 == 0 ? "127.0.0.1:1" : "no-such-host.invalid:1")
                .append("\", name: t").append(i).append("}\n");
        }
        Path config = Files.writeString(dir.resolve("vigil.yml"), yaml);
        int port = AgentProcess.freePort();
        List<String> cmd = new ArrayList<>(List.of(AgentProcess.javaBinary(), "-Xmx128m", "-jar",
            AgentProcess.jar().toString(), "--config.file", config.toString(), "--web.listen-address", "127.0.0.1:" + port,
            "--log.level", "debug"));
        // stderr stays an unread pipe: it fills after 64 KiB
        Process agent = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
            double first = -1;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first < 0 && System.nanoTime() < end) {
                try {
                    first = lastRun(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body());
                } catch (java.io.IOException notYet) {
                    // starting
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling until the first result is served
            }
            assertTrue(first > 0, "no result served");
            // by now the failures of 1500 targets have far overflowed the pipe: the runs must still advance
            double later = first;
            end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (later < first + 3 && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(300);
                later = lastRun(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body());
            }
            assertTrue(later >= first + 3, "probing stalled behind the blocked log: " + first + " -> " + later);
            assertTrue(agent.isAlive());
        } finally {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    private static double lastRun(String metrics) {
        Matcher m = LAST_RUN.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
