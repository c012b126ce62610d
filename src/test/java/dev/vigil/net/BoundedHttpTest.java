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
import java.net.SocketTimeoutException;
import java.net.URI;
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
        server.createContext("/host", x -> {
            byte[] b = x.getRequestHeaders().getFirst("Host").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
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

    private BoundedHttp.Request get(String path) {
        return BoundedHttp.request(base.resolve(path)).GET();
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
            assertThrows(SocketTimeoutException.class, () -> {
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
            BoundedHttp.request(URI.create("http://127.0.0.1:" + port + "/")).GET(), 1024,
            Deadline.after(Duration.ofSeconds(5))));
        assertEquals(Reasons.CONNECT_REFUSED, f.reason(), f.getMessage());
        f = assertThrows(ProbeFailure.class, () -> http.get(
            BoundedHttp.request(URI.create("http://no-such-host.invalid/")).GET(), 1024,
            Deadline.after(Duration.ofSeconds(5))));
        assertEquals(Reasons.DNS, f.reason(), f.getMessage());
    }

    /** A name with an IPv6 and an IPv4 address; the server listens on IPv4 loopback only. */
    private static final Dialer.Resolver BOTH = host -> new InetAddress[] {InetAddress.getByName("::1"),
        InetAddress.getByName("127.0.0.1")};

    @Test
    void ipFamilyChoosesTheAddressesOfTheNameAndEachIsTriedInTurn() throws Exception {
        URI named = URI.create("http://both.example:" + base.getPort() + "/host");
        Deadline d = Deadline.after(Duration.ofSeconds(5));
        BoundedHttp.Answer a = new BoundedHttp(null, IpFamily.IP4, BOTH).get(BoundedHttp.request(named).GET(), 1024, d);
        assertEquals(200, a.status());
        assertEquals("both.example:" + base.getPort(), a.text(), "the Host field names the URL's host, not the address");
        // ::1 first (nothing listens there), then 127.0.0.1
        assertEquals(200, new BoundedHttp(null, IpFamily.PREFER_IP6, BOTH).get(BoundedHttp.request(named).GET(), 1024,
            d).status());
        assertEquals(200, new BoundedHttp(null, IpFamily.ANY, BOTH).get(BoundedHttp.request(named).GET(), 1024,
            d).status());
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> new BoundedHttp(null, IpFamily.IP6, BOTH)
            .get(BoundedHttp.request(named).GET(), 1024, d));
        assertTrue(f.reason().startsWith("connect_"), f.reason() + ": " + f.getMessage());
        f = assertThrows(ProbeFailure.class, () -> new BoundedHttp(null, IpFamily.IP6,
            host -> new InetAddress[] {InetAddress.getByName("127.0.0.1")}).get(BoundedHttp.request(named).GET(), 1024, d));
        assertEquals(Reasons.DNS, f.reason(), f.getMessage());
    }

    /** A raw server answering every connection with {@code answer}, then closing. */
    private static ServerSocket raw(byte[] answer) throws IOException {
        ServerSocket ss = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try (java.net.Socket s = ss.accept()) {
                    s.getInputStream().read(new byte[4096]);
                    s.getOutputStream().write(answer);
                } catch (IOException e) {
                    // closed: the test is over
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return ss;
    }

    private static ProbeFailure failureFrom(byte[] answer) throws IOException {
        try (ServerSocket ss = raw(answer)) {
            return assertThrows(ProbeFailure.class, () -> new BoundedHttp(null).get(
                BoundedHttp.request(URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/")).GET(), 1 << 20,
                Deadline.after(Duration.ofSeconds(5))));
        }
    }

    @Test
    void garbageOversizedHeadersAndCutOffBodiesAreBadResponses() throws Exception {
        ProbeFailure f = failureFrom("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Reasons.BAD_RESPONSE, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains("not an HTTP/1.x answer"), f.getMessage());
        f = failureFrom(("HTTP/1.1 200 OK\r\nX: " + "a".repeat(70_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertEquals(Reasons.BAD_RESPONSE, f.reason(), f.getMessage());
        assertTrue(f.getMessage().contains("headers larger than"), f.getMessage());
        f = failureFrom("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort".getBytes(StandardCharsets.US_ASCII));
        assertEquals(Reasons.BAD_RESPONSE, f.reason(), f.getMessage());
        f = failureFrom(new byte[0]);
        assertEquals(Reasons.BAD_RESPONSE, f.reason(), f.getMessage());
    }

    @Test
    void chunkedAndContentLengthAndInterimAnswersAreRead() throws Exception {
        byte[] chunked = ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket ss = raw(chunked)) {
            BoundedHttp.Answer a = new BoundedHttp(null).get(BoundedHttp.request(
                URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/")).GET(), 1024, Deadline.after(Duration.ofSeconds(5)));
            assertEquals(200, a.status());
            assertEquals("abcde", a.text());
        }
        try (ServerSocket ss = raw("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnothing here".getBytes(
            StandardCharsets.US_ASCII))) {
            BoundedHttp.Answer a = new BoundedHttp(null).get(BoundedHttp.request(
                URI.create("http://127.0.0.1:" + ss.getLocalPort() + "/")).GET(), 1024, Deadline.after(Duration.ofSeconds(5)));
            assertEquals(404, a.status());
            assertEquals("nothing here", a.text(), "a body without framing ends with the connection");
            assertEquals("text/plain", a.headers().firstValue("content-type").orElseThrow());
        }
    }

    @Test
    void aHeaderValueWithALineBreakIsRefusedWithoutQuotingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> BoundedHttp.request(base).header("Authorization", "Bearer s3cret\r\nX-Injected: 1"));
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BoundedHttp.request(URI.create("ftp://127.0.0.1/")));
    }
}
