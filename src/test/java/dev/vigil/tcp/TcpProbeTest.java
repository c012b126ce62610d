package dev.vigil.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Golden;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kind tcp against loopback: a port that listens and one that does not. */
class TcpProbeTest {
    private static ProbeResult run(String name, String address) throws Exception {
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("t.yml",
            "tcp:\n  targets:\n    - target: " + address + "\n      name: " + name + "\n").targets().get(0);
        try (var probe = new TcpKind().create(t, HostPaths.HOST)) {
            return probe.run(Deadline.after(Duration.ofSeconds(5)));
        }
    }

    @Test
    void anOpenPortConnectsAndAClosedOneIsRefused() throws Exception {
        Map<String, ProbeResult> results = new LinkedHashMap<>();
        int closed;
        try (ServerSocket listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = gone.getLocalPort();
            gone.close();
            results.put("open", run("open", "127.0.0.1:" + listening.getLocalPort()));
            results.put("closed", run("closed", "127.0.0.1:" + closed));
        }
        assertTrue(results.get("open").success(), results.get("open").message());
        assertEquals("connect_refused", results.get("closed").reason());
        Golden golden = Golden.of(new TcpKind());
        golden.check(golden.render(results));
    }
}
