package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ProbeResult;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Servers that accept TCP and then misbehave. Each probe must end within its timeout (1 s here; the probe keeps a tenth
 * of it to report) with the right reason, with either engine.
 */
class TlsMisbehaviourTest {
    private static final double TIMEOUT_SECONDS = 1.0;
    private final List<ScriptedServer> servers = new ArrayList<>();
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        servers.forEach(ScriptedServer::close);
        pacer.shutdownNow();
    }

    private int serve(ScriptedServer.Script script) throws Exception {
        ScriptedServer s = new ScriptedServer(script);
        servers.add(s);
        return s.port();
    }

    private record Timed(ProbeResult result, double seconds) {
    }

    private Timed probe(int port, String provider) {
        long start = System.nanoTime();
        ProbeResult r = Probes.runOnce("tls:\n  timeout: 1s\n  targets:\n    - target: 127.0.0.1:" + port
            + "\n      provider: " + provider + "\n");
        return new Timed(r, (System.nanoTime() - start) / 1e9);
    }

    @Test
    void aConnectionThatIsNeverAcceptedIsAConnectTimeout() throws Exception {
        // a listener that never accepts, its queue filled: Linux drops further SYNs, so connect never completes
        try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> queued = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    java.net.Socket s = new java.net.Socket();
                    try {
                        s.connect(full.getLocalSocketAddress(), 200);
                        queued.add(s);
                    } catch (java.net.SocketTimeoutException e) {
                        s.close();
                        break; // the queue is full
                    }
                }
                Timed t = probe(full.getLocalPort(), "boringssl");
                assertEquals("connect_timeout", t.result().reason(), t.result().message());
                assertTrue(t.seconds() < TIMEOUT_SECONDS + 0.5, "took " + t.seconds() + " s");
            } finally {
                for (java.net.Socket s : queued) {
                    s.close();
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void silentServerIsAHandshakeTimeout(String provider) throws Exception {
        int port = serve((s, srv) -> s.getInputStream().readAllBytes());
        Timed t = probe(port, provider);
        assertEquals("handshake_timeout", t.result().reason(), t.result().message());
        assertTrue(t.seconds() < TIMEOUT_SECONDS + 0.5, "took " + t.seconds() + " s");
        assertTrue(t.seconds() >= TIMEOUT_SECONDS * 0.8, "gave up early, after " + t.seconds() + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void garbageIsAProtocolError(String provider) throws Exception {
        int port = serve((s, srv) -> {
            byte[] junk = new byte[4096];
            new Random(42).nextBytes(junk);
            junk[0] = 'H'; // not a TLS content type
            s.getOutputStream().write(junk);
            s.getInputStream().readAllBytes();
        });
        Timed t = probe(port, provider);
        assertEquals("protocol_error", t.result().reason(), t.result().message());
        assertTrue(t.seconds() < TIMEOUT_SECONDS, "took " + t.seconds() + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void plainHttpAnswerIsAProtocolError(String provider) throws Exception {
        int port = serve((s, srv) -> {
            s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n".getBytes());
            s.close();
        });
        Timed t = probe(port, provider);
        assertEquals("protocol_error", t.result().reason(), t.result().message());
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void resetIsAFailedHandshake(String provider) throws Exception {
        int port = serve((s, srv) -> {
            s.getInputStream().read(); // wait for the ClientHello
            s.setSoLinger(true, 0);
            s.close(); // RST
        });
        Timed t = probe(port, provider);
        assertEquals("handshake_failed", t.result().reason(), t.result().message());
        assertTrue(t.seconds() < TIMEOUT_SECONDS, "took " + t.seconds() + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void closeWithoutAnswerIsAFailedHandshake(String provider) throws Exception {
        int port = serve((s, srv) -> {
            s.getInputStream().read();
            s.close();
        });
        assertEquals("handshake_failed", probe(port, provider).result().reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"boringssl", "jdk"})
    void tricklingServerCannotStretchTheDeadline(String provider) throws Exception {
        // a plausible TLS record header announcing 16 KiB, then one byte every 50 ms: each read succeeds, the
        // handshake never completes
        int port = serve((s, srv) -> {
            s.getInputStream().read();
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x03, 0x40, 0x00});
            out.flush();
            CountDownLatch closed = new CountDownLatch(1);
            pacer.scheduleAtFixedRate(() -> {
                try {
                    out.write(0x02);
                    out.flush();
                } catch (java.io.IOException e) {
                    closed.countDown();
                    throw new IllegalStateException("peer gone");
                }
            }, 0, 50, TimeUnit.MILLISECONDS);
            closed.await();
        });
        Timed t = probe(port, provider);
        assertEquals("handshake_timeout", t.result().reason(), t.result().message());
        assertTrue(t.seconds() < TIMEOUT_SECONDS + 0.5, "took " + t.seconds() + " s");
    }
}
