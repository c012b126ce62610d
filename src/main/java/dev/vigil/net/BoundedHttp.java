package dev.vigil.net;

import dev.vigil.config.Secret;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * The one HTTP client of the kinds (etcd, cAdvisor, clickhouse-backup), on the JDK's client: HTTP/1.1, no redirects
 * (a 3xx is an {@code http_status} failure: a probe reports what its target answers, it does not go elsewhere), no
 * user info in URLs (refused here as the configuration refuses it; credentials come from files as headers), a byte
 * cap on every body, and one deadline over headers <b>and</b> body, so a server that trickles cannot hold a probe past
 * it. Failures reduce to a common reason and a message that names the endpoint and the failure, never a header value.
 */
public final class BoundedHttp {
    private final HttpClient client;

    /** @param ssl null for the JDK's default context (plain http, or https with the JDK's CAs) */
    public BoundedHttp(SSLContext ssl) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(30));
        if (ssl != null) {
            SSLParameters params = ssl.getDefaultSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            b.sslContext(ssl).sslParameters(params);
        }
        client = b.build();
    }

    /** A request to {@code uri}; a URL with user info is refused (credentials never travel in URLs or messages). */
    public static HttpRequest.Builder request(URI uri) {
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("user info in a URL is refused: give credentials as files");
        }
        return HttpRequest.newBuilder(uri);
    }

    /** Adds {@code Authorization: Bearer}; a token the client refuses as a header is reported without quoting it. */
    public static void bearer(HttpRequest.Builder request, Secret token, String source) throws ProbeFailure {
        try {
            request.header("Authorization", "Bearer " + token.reveal());
        } catch (IllegalArgumentException e) {
            // the JDK quotes the whole header value in this message: never pass it on
            throw new ProbeFailure(Reasons.AUTH_REJECTED, source + ": the HTTP client refuses the token as a header value");
        }
    }

    /** A whole answer, its body at most the asked number of bytes. */
    public record Answer(int status, HttpHeaders headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
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
                byte[] b = new byte[chunk.remaining()];
                chunk.get(b);
                out.writeBytes(b);
            }

            @Override
            public byte[] finish() {
                return out.toByteArray();
            }
        };
    }

    /**
     * Sends asynchronously (so several members are asked in parallel and a hanging one costs its deadline, not a
     * thread); completes with the answer whatever its status, or fails at {@code timeout} after the start. Sends once
     * more when a kept-alive connection turns out dead (the server restarted since the last run): every request vigil
     * sends is a read, so repeating it is safe.
     */
    public CompletableFuture<Answer> send(HttpRequest request, long maxBytes, Duration timeout) {
        return attempt(request, maxBytes).exceptionallyCompose(e -> {
            Throwable c = unwrap(e);
            if (c instanceof IOException && !(c instanceof HttpTimeoutException) && !(c instanceof TooLarge)
                && !causedBy(c, ConnectException.class) && !causedBy(c, SSLException.class)) {
                return attempt(request, maxBytes);
            }
            return CompletableFuture.failedFuture(c);
        }).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Answer> attempt(HttpRequest request, long maxBytes) {
        return client.sendAsync(request, info -> new Subscriber<>(bytes(maxBytes)))
            .thenApply(r -> new Answer(r.statusCode(), r.headers(), r.body()));
    }

    /** Sends, handing the body of each answer to the sink {@code sinks} chooses by status and headers. */
    public <T> CompletableFuture<HttpResponse<T>> send(HttpRequest request,
                                                        Function<HttpResponse.ResponseInfo, Sink<T>> sinks,
                                                        Duration timeout) {
        return client.sendAsync(request, info -> new Subscriber<>(sinks.apply(info)))
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Blocking {@link #send(HttpRequest, long, Duration)} within the deadline; failures are common reasons. */
    public Answer get(HttpRequest request, long maxBytes, Deadline deadline) throws ProbeFailure, InterruptedException {
        try {
            return send(request, maxBytes, deadline.remaining()).get();
        } catch (ExecutionException e) {
            throw failure(e, request.uri().toString());
        }
    }

    /** An answer whose body is read as a stream: at most the asked bytes, and only until the deadline. */
    public record Streamed(int status, HttpHeaders headers, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /**
     * Sends and returns once the headers are in (within the deadline); reading the body past the byte cap throws
     * {@link TooLarge}, and a read still waiting at the deadline throws {@link HttpTimeoutException}.
     */
    public Streamed open(HttpRequest request, long maxBytes, Deadline deadline) throws ProbeFailure, InterruptedException {
        CompletableFuture<HttpResponse<InputStream>> f = client.sendAsync(request,
            info -> new StreamBody(maxBytes, deadline));
        try {
            HttpResponse<InputStream> r = f.get(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
            return new Streamed(r.statusCode(), r.headers(), r.body());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ProbeFailure(Reasons.TIMEOUT, request.uri() + ": no answer within the timeout");
        } catch (ExecutionException e) {
            throw failure(e, request.uri().toString());
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
            return f;
        }
        if (e instanceof BadResponse) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, where + e.getMessage());
        }
        if (e instanceof TooLarge) {
            return new ProbeFailure(Reasons.TOO_LARGE, where + e.getMessage());
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new ProbeFailure(Reasons.CONNECT_TIMEOUT, where + "connect timed out");
        }
        if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
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
        if (causedBy(e, UnresolvedAddressException.class)) {
            return new ProbeFailure(Reasons.DNS, where + "cannot connect (the host name does not resolve)");
        }
        if (causedBy(e, NoRouteToHostException.class)) {
            return new ProbeFailure(Reasons.CONNECT_UNREACHABLE, where + "cannot connect (no route to host)");
        }
        if (causedBy(e, ConnectException.class)) {
            return new ProbeFailure(Reasons.CONNECT_REFUSED, where + "cannot connect (connection refused)");
        }
        if (e instanceof IllegalArgumentException) {
            // a library message may quote a header or the URL: only its kind is kept
            return new ProbeFailure(Reasons.CONNECT_FAILED, where + "the HTTP client refused the request ("
                + e.getClass().getSimpleName() + ")");
        }
        if (e instanceof IOException) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, where + "connection closed without an answer: " + rootMessage(e));
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

    /** A body subscriber that stops reading (cancels) as soon as its sink refuses more. */
    private static final class Subscriber<T> implements HttpResponse.BodySubscriber<T> {
        private final Sink<T> sink;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Subscriber(Sink<T> sink) {
            this.sink = sink;
        }

        @Override
        public CompletionStage<T> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            try {
                for (ByteBuffer b : items) {
                    sink.accept(b);
                }
                subscription.request(1);
            } catch (IOException | BadResponse | RuntimeException e) {
                subscription.cancel();
                result.completeExceptionally(e);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            try {
                result.complete(sink.finish());
            } catch (IOException | BadResponse | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}
