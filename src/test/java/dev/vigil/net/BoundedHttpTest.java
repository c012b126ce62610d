package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared HTTP client against a real local server misbehaving on purpose. */
class BoundedHttpTest {
    private HttpServer server;
    private URI base;
    private final BoundedHttp http = new BoundedHttp(null);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/ok", x -> {
            byte[] b = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        server.createContext("/big", x -> {
            x.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
            try (OutputStream out = x.getResponseBody()) {
                byte[] chunk = new byte[64 * 1024];
                for (int i = 0; i < 64; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client stopped reading: expected
            }
        });
        server.createContext("/trickle", x -> {
            x.sendResponseHeaders(200, 0);
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 100; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // the client gave up: expected
            }
        });
        server.createContext("/redirect", x -> {
            x.getResponseHeaders().add("Location", base.resolve("/ok").toString());
            x.sendResponseHeaders(302, -1);
            x.close();
        });
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HttpRequest get(String path) {
        return BoundedHttp.request(base.resolve(path)).GET().build();
    }

    @Test
    void aSmallAnswerIsRead() throws Exception {
        BoundedHttp.Answer a = http.get(get("/ok"), 1024, Deadline.after(Duration.ofSeconds(5)));
        assertEquals(200, a.status());
        assertEquals("{\"a\":1}", a.text());
    }

    @Test
    void anAnswerPastTheCapIsTooLargeAndNotBuffered() {
        ProbeFailure f = assertThrows(ProbeFailure.class,
            () -> http.get(get("/big"), 100_000, Deadline.after(Duration.ofSeconds(5))));
        assertEquals(Reasons.TOO_LARGE, f.reason(), f.getMessage());
    }

    @Test
    void aTricklingBodyEndsAtTheDeadline() {
        long start = System.nanoTime();
        ProbeFailure f = assertThrows(ProbeFailure.class,
            () -> http.get(get("/trickle"), 1 << 20, Deadline.after(Duration.ofMillis(700))));
        long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertEquals(Reasons.TIMEOUT, f.reason(), f.getMessage());
        assertTrue(ms < 3000, ms + " ms");
    }

    @Test
    void aStreamedTricklingBodyEndsAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        try (BoundedHttp.Streamed s = http.open(get("/trickle"), 1 << 20, Deadline.after(Duration.ofMillis(700)))) {
            assertEquals(200, s.status());
            InputStream body = s.body();
            assertThrows(HttpTimeoutException.class, () -> {
                while (body.read() >= 0) {
                    // drain
                }
            });
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 3000);
    }

    @Test
    void aStreamedBodyPastTheCapIsTooLarge() throws Exception {
        try (BoundedHttp.Streamed s = http.open(get("/big"), 100_000, Deadline.after(Duration.ofSeconds(5)))) {
            byte[] buf = new byte[8192];
            assertThrows(TooLarge.class, () -> {
                while (s.body().read(buf) >= 0) {
                    // drain
                }
            });
        }
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        BoundedHttp.Answer a = http.get(get("/redirect"), 1024, Deadline.after(Duration.ofSeconds(5)));
        assertEquals(302, a.status());
        assertArrayEquals(new byte[0], a.body());
    }

    @Test
    void userInfoInAUrlIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> BoundedHttp.request(URI.create("http://admin:s3cret@127.0.0.1/")));
        assertFalse(e.getMessage().contains("s3cret"));
    }

    @Test
    void aClosedPortIsConnectRefusedAndAnUnknownNameDns() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> http.get(
            BoundedHttp.request(URI.create("http://127.0.0.1:" + port + "/")).GET().build(), 1024,
            Deadline.after(Duration.ofSeconds(5))));
        assertEquals(Reasons.CONNECT_REFUSED, f.reason(), f.getMessage());
        f = assertThrows(ProbeFailure.class, () -> http.get(
            BoundedHttp.request(URI.create("http://no-such-host.invalid/")).GET().build(), 1024,
            Deadline.after(Duration.ofSeconds(5))));
        assertEquals(Reasons.DNS, f.reason(), f.getMessage());
    }
}
