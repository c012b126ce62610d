package dev.vigil.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.ProbeKinds;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first round after a start waits for the first answer of /metrics, or for the grace when nobody asks. */
class AgentStartTest {
    @TempDir
    Path dir;

    private Agent agent(long graceMs) throws Exception {
        ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        listening.close(); // a closed port: the run fails fast with connect_refused, which is a result all the same
        Path cfg = Files.writeString(dir.resolve("vigil.yml"),
            "defaults: {jitter: 0s}\ntcp:\n  targets:\n    - {target: \"127.0.0.1:" + listening.getLocalPort() + "\"}\n");
        return new Agent(cfg.toString(), HostPaths.HOST, ProbeKinds.builtIn(), false, graceMs);
    }

    @Test
    void theFirstAnswerStartsTheFirstRound() throws Exception {
        // a grace far longer than the wait below: only the answer can start the round in time
        try (Agent agent = agent(600_000)) {
            agent.start();
            assertEquals(0, agent.scheduler().states().size(), "no target before the first answer");
            agent.answered();
            assertTrue(agent.scheduler().awaitFirstRound(Duration.ofSeconds(60)), "the first round did not run");
            assertEquals(1, agent.scheduler().states().size());
        }
    }

    @Test
    void withoutAnAnswerTheRoundStartsAfterTheGrace() throws Exception {
        try (Agent agent = agent(2_000)) {
            long t0 = System.nanoTime();
            agent.start();
            assertTrue(agent.scheduler().awaitFirstRound(Duration.ofSeconds(60)), "the first round did not run");
            // a lower bound only: a loaded machine makes it later, never sooner
            assertTrue(System.nanoTime() - t0 >= 2_000_000_000L, "the round started before the grace ended");
        }
    }
}
