package dev.vigil.net;

import dev.vigil.config.Secret;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The one HTTP client of the kinds (etcd, cAdvisor, clickhouse-backup): HTTP/1.1 over the shared {@link Dialer}, so
 * the name is resolved with a deadline and {@code ip_family} picks and orders the addresses, each tried in turn as
 * the tcp and tls kinds do. One connection per request ({@code Connection: close}: a probe measures the listener as a
 * new client meets it, and no pool outlives a run). No redirects (a 3xx is an {@code http_status} failure: a probe
 * reports what its target answers, it does not go elsewhere), no user info in URLs (refused here as the configuration
 * refuses it; credentials come from files as headers), a byte cap on every body, and one deadline over connect, TLS,
 * headers <b>and</b> body: the connection is closed at the deadline, so a server that trickles cannot hold a probe
 * past it. Failures reduce to a common reason and a message that names the endpoint and the failure, never a header
 * value.
 */
public final class BoundedHttp {
    /** Runs the asynchronous requests (members asked in parallel); idle threads end after 30 s. */
    private static final ThreadPoolExecutor POOL = pool();
    private static final int BUFFER = 16 * 1024;

    private final SSLContext ssl;
    private final IpFamily family;
    private final Dialer.Resolver resolver;

    /** @param ssl null for the JDK's default context (plain http, or https with the JDK's CAs) */
    public BoundedHttp(SSLContext ssl) {
        this(ssl, IpFamily.ANY, Dialer.SYSTEM);
    }

    public BoundedHttp(SSLContext ssl, IpFamily family) {
        this(ssl, family, Dialer.SYSTEM);
    }

    public BoundedHttp(SSLContext ssl, IpFamily family, Dialer.Resolver resolver) {
        this.ssl = ssl;
        this.family = family;
        this.resolver = resolver;
    }

    private static ThreadPoolExecutor pool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "vigil-http");
            t.setDaemon(true);
            return t;
        });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** A request to {@code uri}; a URL with user info is refused (credentials never travel in URLs or messages). */
    public static Request request(URI uri) {
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("user info in a URL is refused: give credentials as files");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("only http:// and https:// URLs with a host are supported");
        }
        return new Request(uri);
    }

    /** A request: method, URL, header fields and a small body; fields are checked as they are added. */
    public static final class Request {
        private final URI uri;
        private final List<String[]> fields = new ArrayList<>(4);
        private String method = "GET";
        private byte[] body = new byte[0];

        private Request(URI uri) {
            this.uri = uri;
        }

        public URI uri() {
            return uri;
        }

        public Request GET() {
            return method("GET", "");
        }

        public Request POST(String body) {
            return method("POST", body);
        }

        /** Any method with a body (cAdvisor's API takes its query as the body of a GET). */
        public Request method(String method, String body) {
            this.method = method;
            this.body = body.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /**
         * Adds a field; a name that is not an HTTP token or a value with control or non-ASCII characters is refused
         * without quoting it (it may be a secret).
         */
        public Request header(String name, String value) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("empty header name");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
                    throw new IllegalArgumentException("header name is not an HTTP token");
                }
            }
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < ' ' && c != '\t') || c >= 127) {
                    throw new IllegalArgumentException("the value of header " + name + " has a character HTTP refuses");
                }
            }
            fields.add(new String[] {name, value});
            return this;
        }

        private String target() {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        }
    }

    /** Adds {@code Authorization: Bearer}; a token refused as a header value is reported without quoting it. */
    public static void bearer(Request request, Secret token, String source) throws ProbeFailure {
        try {
            request.header("Authorization", "Bearer " + token.reveal());
        } catch (IllegalArgumentException e) {
            throw new ProbeFailure(Reasons.AUTH_REJECTED, source + ": the token cannot be sent as a header value");
        }
    }

    /** What is known once the headers are in: the status and the header fields. */
    public record Info(int status, Headers headers) {
    }

    /** A whole answer, its body at most the asked number of bytes. */
    public record Answer(int status, Headers headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** An answer whose body a {@link Sink} consumed. */
    public record Response<T>(int status, Headers headers, T body) {
    }

    /** Receives a body chunk by chunk, and may refuse more (too large, malformed). */
    public interface Sink<T> {
        void accept(ByteBuffer chunk) throws IOException, BadResponse;

        T finish() throws IOException, BadResponse;
    }

    /** A sink keeping at most {@code max} bytes. */
    public static Sink<byte[]> bytes(long max) {
        return new Sink<>() {
            private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

            @Override
            public void accept(ByteBuffer chunk) throws TooLarge {
                if (out.size() + (long) chunk.remaining() > max) {
                    throw new TooLarge(max);
                }
                out.write(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
                chunk.position(chunk.limit());
            }

            @Override
            public byte[] finish() {
                return out.toByteArray();
            }
        };
    }

    /**
     * Sends on a thread of the client's pool (so several members are asked in parallel); completes with the answer
     * whatever its status, or fails with the request's failure, at the latest at {@code timeout} after the call.
     */
    public CompletableFuture<Answer> send(Request request, long maxBytes, Duration timeout) {
        return send(request, info -> bytes(maxBytes), maxBytes, timeout)
            .thenApply(r -> new Answer(r.status(), r.headers(), r.body()));
    }

    /** Sends, handing the body of the answer to the sink {@code sinks} chooses by status and headers. */
    public <T> CompletableFuture<Response<T>> send(Request request, Function<Info, Sink<T>> sinks, long maxBytes,
                                                    Duration timeout) {
        Deadline deadline = Deadline.after(timeout);
        return CompletableFuture.supplyAsync(() -> {
            try {
                return exchange(request, sinks, maxBytes, deadline);
            } catch (ProbeFailure | IOException | BadResponse | RuntimeException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }, POOL).orTimeout(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /** Sends on the calling thread and reads the whole answer within the deadline; failures are common reasons. */
    public Answer get(Request request, long maxBytes, Deadline deadline) throws ProbeFailure, InterruptedException {
        try {
            Response<byte[]> r = exchange(request, info -> bytes(maxBytes), maxBytes, deadline);
            return new Answer(r.status(), r.headers(), r.body());
        } catch (IOException | BadResponse | RuntimeException e) {
            throw interruptedOr(e, request);
        }
    }

    private <T> Response<T> exchange(Request request, Function<Info, Sink<T>> sinks, long maxBytes, Deadline deadline)
        throws ProbeFailure, IOException, BadResponse, InterruptedException {
        try (Streamed s = open(request, maxBytes, deadline)) {
            Sink<T> sink = sinks.apply(new Info(s.status(), s.headers()));
            byte[] buf = new byte[BUFFER];
            for (int n = s.body().read(buf); n >= 0; n = s.body().read(buf)) {
                if (n > 0) {
                    sink.accept(ByteBuffer.wrap(buf, 0, n));
                }
            }
            return new Response<>(s.status(), s.headers(), sink.finish());
        }
    }

    private static ProbeFailure interruptedOr(Exception e, Request request) throws InterruptedException {
        if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
            Thread.interrupted();
            throw new InterruptedException("interrupted during a request to " + request.uri());
        }
        return failure(e, request.uri().toString());
    }

    /** An answer whose body is read as a stream: at most the asked bytes, and only until the deadline. */
    public record Streamed(int status, Headers headers, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Connects, sends and returns once the headers are in, on the calling thread, within the deadline. Reading the
     * body past the byte cap throws {@link TooLarge}; a read still waiting at the deadline throws
     * {@link SocketTimeoutException}. Closing the body closes the connection.
     */
    public Streamed open(Request request, long maxBytes, Deadline deadline) throws ProbeFailure, InterruptedException {
        Connection c = null;
        try {
            c = connect(request, deadline);
            OutputStream out = c.out();
            out.write(Http1.requestHead(request.method, request.target(), request.uri.getRawAuthority(),
                request.fields, request.body.length));
            out.write(request.body);
            out.flush();
            InputStream in = c.in();
            Http1.Head head = Http1.readHead(in);
            InputStream body = new Guarded(Http1.body(in, request.method, head), c, maxBytes);
            return new Streamed(head.status(), head.headers(), body);
        } catch (IOException | BadResponse | RuntimeException e) {
            Exception why = e;
            if (c != null) {
                why = c.timedOut() ? new SocketTimeoutException("no answer within the timeout") : e;
                c.close();
            }
            throw interruptedOr(why, request);
        }
    }

    /** Resolves, dials each allowed address in turn until one answers, and does the TLS handshake for https. */
    private Connection connect(Request request, Deadline deadline) throws ProbeFailure, IOException,
        InterruptedException {
        URI uri = request.uri;
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
        List<InetAddress> addresses = Dialer.resolve(host, family, deadline, resolver);
        SocketChannel channel = null;
        ProbeFailure last = null;
        for (InetAddress a : addresses) {
            try {
                channel = Dialer.dial(new InetSocketAddress(a, port), deadline);
                break;
            } catch (ProbeFailure f) {
                last = f;
                if (deadline.expired()) {
                    break;
                }
            }
        }
        if (channel == null) {
            throw last;
        }
        Connection c = new Connection(channel, deadline);
        if (https) {
            try {
                SSLContext context = ssl != null ? ssl : SSLContext.getDefault();
                SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(channel.socket(), host, port, true);
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                tls.setSSLParameters(params);
                c.tls = tls;
                tls.startHandshake();
            } catch (NoSuchAlgorithmException e) {
                c.close();
                throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, uri + ": no TLS context: " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                c.close();
                if (c.timedOut()) {
                    throw new SocketTimeoutException("TLS handshake not done within the timeout");
                }
                throw e;
            }
        }
        return c;
    }

    /** One connection: closed at the deadline by the shared alarm (which marks it timed out), or when done. */
    private static final class Connection implements AutoCloseable {
        private final SocketChannel channel;
        private final Dialer.Alarm alarm;
        private volatile boolean timedOut;
        private SSLSocket tls;
        private InputStream in;

        Connection(SocketChannel channel, Deadline deadline) {
            this.channel = channel;
            this.alarm = Dialer.closeAt(() -> {
                timedOut = true;
                channel.close();
            }, deadline);
        }

        boolean timedOut() {
            return timedOut;
        }

        OutputStream out() throws IOException {
            return tls != null ? tls.getOutputStream() : channel.socket().getOutputStream();
        }

        InputStream in() throws IOException {
            if (in == null) {
                in = new BufferedInputStream(tls != null ? tls.getInputStream() : channel.socket().getInputStream(),
                    BUFFER);
            }
            return in;
        }

        @Override
        public void close() {
            alarm.close();
            Dialer.closeQuietly(tls);
            Dialer.closeQuietly(channel);
        }
    }

    /**
     * The body as the caller reads it: at most {@code max} bytes ({@link TooLarge} past it), a failure after the
     * deadline reported as {@link SocketTimeoutException}, and the connection closed with it.
     */
    private static final class Guarded extends Http1.BodyStream {
        private final InputStream in;
        private final Connection connection;
        private final long max;
        private long count;

        Guarded(InputStream body, Connection connection, long max) {
            this.in = body;
            this.connection = connection;
            this.max = max;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n;
            try {
                n = in.read(b, off, len);
            } catch (IOException e) {
                if (connection.timedOut()) {
                    throw new SocketTimeoutException("body not received within the timeout (" + count + " bytes read)");
                }
                throw e;
            }
            if (n > 0) {
                count += n;
                if (count > max) {
                    connection.close();
                    throw new TooLarge(max);
                }
            }
            return n;
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    /**
     * The common reason of a failed request: dns, connect_refused, connect_unreachable, connect_timeout, timeout,
     * too_large, auth_rejected (the server's TLS alert refuses our certificate), handshake_failed, bad_response.
     */
    public static ProbeFailure failure(Throwable t, String endpoint) {
        Throwable e = unwrap(t);
        String where = endpoint.isEmpty() ? "" : endpoint + ": ";
        if (e instanceof ProbeFailure f) {
            return new ProbeFailure(f.reason(), f.getMessage().startsWith(endpoint) ? f.getMessage() : where + f.getMessage());
        }
        if (e instanceof BadResponse) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, where + e.getMessage());
        }
        if (e instanceof TooLarge) {
            return new ProbeFailure(Reasons.TOO_LARGE, where + e.getMessage());
        }
        if (e instanceof SocketTimeoutException || e instanceof TimeoutException) {
            return new ProbeFailure(Reasons.TIMEOUT, where + "no complete answer within the deadline");
        }
        String alert = rejectedAlert(e);
        if (alert != null) {
            return new ProbeFailure(Reasons.AUTH_REJECTED, where + "the server rejected the client certificate (TLS alert "
                + alert + ")");
        }
        if (causedBy(e, SSLException.class)) {
            return new ProbeFailure(Reasons.HANDSHAKE_FAILED, where + "TLS handshake failed: " + rootMessage(e));
        }
        if (causedBy(e, NoRouteToHostException.class)) {
            return new ProbeFailure(Reasons.CONNECT_UNREACHABLE, where + "cannot connect (no route to host)");
        }
        if (causedBy(e, ConnectException.class)) {
            return new ProbeFailure(Reasons.CONNECT_REFUSED, where + "cannot connect (connection refused)");
        }
        if (e instanceof IllegalArgumentException) {
            // a library message may quote a header or the URL: only its kind is kept
            return new ProbeFailure(Reasons.CONNECT_FAILED, where + "the request was refused before sending ("
                + e.getClass().getSimpleName() + ")");
        }
        if (e instanceof EOFException) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, where + "connection closed without a complete answer: "
                + e.getMessage());
        }
        if (e instanceof IOException) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, where + "connection failed during the answer: " + rootMessage(e));
        }
        return new ProbeFailure(Reasons.BAD_RESPONSE, where + e.getClass().getSimpleName() + ": " + rootMessage(e));
    }

/** TLS alerts a server sends about the client's certificate: a missing, unknown, expired or refused certificate. */
    private static final List<String> CLIENT_CERT_ALERTS = List.of("bad_certificate", "certificate_required",
        "unknown_ca", "certificate_unknown", "certificate_expired", "certificate_revoked", "unsupported_certificate",
        "access_denied");

    public static String rejectedAlert(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = c.getMessage();
            if (c instanceof SSLException && m != null && m.contains("Received fatal alert: ")) {
                String alert = m.substring(m.indexOf("Received fatal alert: ") + 22).trim().toLowerCase(Locale.ROOT);
                if (CLIENT_CERT_ALERTS.contains(alert)) {
                    return alert;
                }
            }
        }
        return null;
    }

    public static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage() != null ? c.getMessage() : e.getMessage();
        return m != null ? m : c.getClass().getSimpleName();
    }
}
