package dev.vigil.etcd;

import dev.vigil.probe.ProbeFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
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
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;

/**
 * HTTP/1.1 to etcd with the JDK client: the JSON gateway ({@code POST /v3/...}) and the plain pages ({@code /health},
 * {@code /metrics}). Every request is asynchronous with its own timeout, so members are asked in parallel and a
 * member that hangs costs its deadline, not a thread; every body is bounded.
 */
final class EtcdHttp {
    static final int MAX_JSON_BYTES = 1 << 20;

    private final HttpClient client;

    EtcdHttp(SSLContext ssl, Duration connectTimeout) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(connectTimeout);
        if (ssl != null) {
            SSLParameters params = ssl.getDefaultSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            b.sslContext(ssl).sslParameters(params);
        }
        client = b.build();
    }

    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** POSTs {@code json} to the gateway path; completes with the answer whatever its status. */
    CompletableFuture<Answer> post(URI base, String path, String json, Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return send(req, timeout);
    }

    CompletableFuture<Answer> get(URI base, String path, Duration timeout) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build(), timeout);
    }

    /** GETs {@code /metrics}, parsing it as it arrives; non-200 answers complete with a {@link Json.BadResponse}. */
    CompletableFuture<MetricsPage> metrics(URI base, Duration timeout) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/metrics")).timeout(timeout)
            .header("Accept", "text/plain;version=0.0.4").GET().build();
        return client.sendAsync(req, info -> info.statusCode() == 200
                ? new Bounded<>(new PageSink())
                : HttpResponse.BodySubscribers.replacing(null))
            .thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new CompletionException(new Json.BadResponse("GET /metrics answered HTTP " + r.statusCode()));
                }
                return r.body();
            })
            .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Sends once more when a kept-alive connection turns out to be dead (the member restarted since the last run):
     * every request vigil sends is a read, so repeating it is safe.
     */
    private CompletableFuture<Answer> send(HttpRequest req, Duration timeout) {
        return attempt(req).exceptionallyCompose(e -> {
            Throwable c = unwrap(e);
            if (c instanceof IOException && !(c instanceof HttpTimeoutException) && !causedBy(c, ConnectException.class)
                && !causedBy(c, SSLException.class)) {
                return attempt(req);
            }
            return CompletableFuture.failedFuture(c);
        }).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<Answer> attempt(HttpRequest req) {
        return client.sendAsync(req, info -> new Bounded<>(new BytesSink()))
            .thenApply(r -> new Answer(r.statusCode(), r.body()));
    }

    /**
     * The bounded reason of a failed request: connection refused, timeout, TLS handshake, client certificate
     * rejected by the server, or an answer that is not what etcd sends.
     */
    static ProbeFailure failure(Throwable t, String endpoint) {
        Throwable e = unwrap(t);
        if (e instanceof ProbeFailure f) {
            return f;
        }
        if (e instanceof Json.BadResponse) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, endpoint + ": " + e.getMessage());
        }
        if (e instanceof HttpConnectTimeoutException) {
            return new ProbeFailure(Reasons.TIMEOUT, endpoint + ": connect timed out");
        }
        if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
            return new ProbeFailure(Reasons.TIMEOUT, endpoint + ": no answer within the deadline");
        }
        String alert = rejectedAlert(e);
        if (alert != null) {
            return new ProbeFailure(Reasons.AUTH_REJECTED, endpoint
                + ": the server rejected the client certificate (TLS alert " + alert + ")");
        }
        if (causedBy(e, SSLHandshakeException.class) || causedBy(e, SSLException.class)) {
            return new ProbeFailure(Reasons.TLS_HANDSHAKE, endpoint + ": TLS handshake failed: " + rootMessage(e));
        }
        if (causedBy(e, ConnectException.class) || causedBy(e, UnresolvedAddressException.class)) {
            return new ProbeFailure(Reasons.CONNECTION_REFUSED, endpoint + ": cannot connect"
                + (causedBy(e, UnresolvedAddressException.class) ? " (the host name does not resolve)"
                : " (connection refused or unreachable)"));
        }
        if (e instanceof IOException) {
            return new ProbeFailure(Reasons.BAD_RESPONSE, endpoint + ": connection closed without an answer: "
                + rootMessage(e));
        }
        return new ProbeFailure(Reasons.BAD_RESPONSE, endpoint + ": " + e.getClass().getSimpleName() + ": "
            + rootMessage(e));
    }

    /** TLS alerts a server sends about the client's certificate: a missing, unknown, expired or refused certificate. */
    private static final List<String> CLIENT_CERT_ALERTS = List.of("bad_certificate", "certificate_required",
        "unknown_ca", "certificate_unknown", "certificate_expired", "certificate_revoked", "unsupported_certificate",
        "access_denied");

    static String rejectedAlert(Throwable e) {
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

    static Throwable unwrap(Throwable t) {
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

    /** Receives the body chunk by chunk. */
    private interface Sink<T> {
        void accept(ByteBuffer chunk) throws Json.BadResponse;

        T finish() throws Json.BadResponse;
    }

    private static final class BytesSink implements Sink<byte[]> {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

        @Override
        public void accept(ByteBuffer chunk) throws Json.BadResponse {
            if (out.size() + chunk.remaining() > MAX_JSON_BYTES) {
                throw new Json.BadResponse("answer larger than " + (MAX_JSON_BYTES >> 10) + " KiB");
            }
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            out.writeBytes(b);
        }

        @Override
        public byte[] finish() {
            return out.toByteArray();
        }
    }

    private static final class PageSink implements Sink<MetricsPage> {
        private final MetricsPage.Parser parser = new MetricsPage.Parser();

        @Override
        public void accept(ByteBuffer chunk) throws Json.BadResponse {
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            parser.feed(b, 0, b.length);
        }

        @Override
        public MetricsPage finish() throws Json.BadResponse {
            return parser.finish();
        }
    }

    /** A body subscriber that stops reading (cancels) as soon as its sink refuses more. */
    private static final class Bounded<T> implements HttpResponse.BodySubscriber<T> {
        private final Sink<T> sink;
        private final CompletableFuture<T> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Bounded(Sink<T> sink) {
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
            } catch (Json.BadResponse | RuntimeException e) {
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
            } catch (Json.BadResponse | RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}
