package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wall clock jumps an hour forward, then two hours back, under the running agent (libfaketime with the monotonic
 * clock left alone, as NTP stepping the clock would do): probing keeps its cadence, timestamps follow the clock.
 */
class ClockJumpIT {
    private static final Pattern RUNS = Pattern.compile(
        "vigil_probe_failures_total\\{kind=\"tcp\",reason=\"connect_refused\",target=\"closed\"} (\\S+)");
    private static final Pattern LAST = Pattern.compile(
        "vigil_probe_last_run_timestamp_seconds\\{kind=\"tcp\",target=\"closed\"} (\\S+)");
    @TempDir
    Path dir;

    private static Optional<Path> libfaketime() throws IOException {
        try (Stream<Path> arch = Files.list(Path.of("/usr/lib"))) {
            return arch.map(a -> a.resolve("faketime/libfaketimeMT.so.1")).filter(Files::exists).findFirst();
        }
    }

    @Test
    void probingKeepsItsCadenceAcrossClockSteps() throws Exception {
        Optional<Path> lib = libfaketime();
        if (lib.isEmpty()) {
            Tools.require("libfaketimeMT.so.1 (faketime)", "faketime");
            Assumptions.assumeTrue(false, "libfaketime not found");
        }
        Path offset = Files.writeString(dir.resolve("offset"), "+0\n");
        Path config = Files.writeString(dir.resolve("vigil.yml"),
            "defaults: {interval: 500ms, timeout: 400ms, jitter: 0s}\ntcp:\n  targets:\n    - {target: \"127.0.0.1:1\", name: closed}\n");
        int port = AgentProcess.freePort();
        ProcessBuilder pb = new ProcessBuilder(AgentProcess.javaBinary(), "-jar", AgentProcess.jar().toString(),
            "--config.file", config.toString(), "--web.listen-address", "127.0.0.1:" + port)
            .redirectErrorStream(true).redirectOutput(dir.resolve("agent.log").toFile());
        pb.environment().put("LD_PRELOAD", lib.get().toString());
        pb.environment().put("FAKETIME_TIMESTAMP_FILE", offset.toString());
        pb.environment().put("FAKETIME_NO_CACHE", "1");
        pb.environment().put("DONT_FAKE_MONOTONIC", "1");
        Process agent = pb.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
            double runs = await(http, scrape, RUNS, v -> v >= 2, 60);
            double realNow = System.currentTimeMillis() / 1000.0;

            Files.writeString(offset, "+1h\n");
            double ahead = await(http, scrape, LAST, v -> v > realNow + 3500, 30);
            assertTrue(ahead < realNow + 3700, "timestamps follow the clock: " + (ahead - realNow));
            double runsAfterForward = await(http, scrape, RUNS, v -> v >= runs + 4, 15);

            Files.writeString(offset, "-1h\n");
            double behind = await(http, scrape, LAST, v -> v < realNow - 3000, 30);
            assertTrue(behind > realNow - 3700, "timestamps follow the clock back: " + (behind - realNow));
            // a clock set back must not make the scheduler wait for the lost hour
            await(http, scrape, RUNS, v -> v >= runsAfterForward + 6, 15);
        } finally {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
    }

    /** Polls /metrics (the agent's only view from outside) until the value matches; fails after the timeout. */
    private static double await(HttpClient http, HttpRequest scrape, Pattern metric, DoublePredicate ok, int seconds)
        throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        double v = Double.NaN;
        while (System.nanoTime() < end) {
            try {
                Matcher m = metric.matcher(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body());
                if (m.find()) {
                    v = Double.parseDouble(m.group(1));
                    if (ok.test(v)) {
                        return v;
                    }
                }
            } catch (IOException notYet) {
                // the agent is starting
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError(metric.pattern() + " never satisfied the condition; last value " + v);
    }
}
