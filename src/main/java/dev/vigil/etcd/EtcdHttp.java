package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import dev.vigil.net.BoundedHttp;
import dev.vigil.probe.ProbeFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLContext;

/**
 * etcd over the shared {@link BoundedHttp} client: the JSON gateway ({@code POST /v3/...}) and the plain pages
 * ({@code /health}, {@code /metrics}). Every request is asynchronous with its own timeout, so members are asked in
 * parallel and a member that hangs costs its deadline, not a thread; every body is bounded.
 */
final class EtcdHttp {
    static final int MAX_JSON_BYTES = 1 << 20;

    private final BoundedHttp http;

    EtcdHttp(SSLContext ssl) {
        http = new BoundedHttp(ssl);
    }

    /** POSTs {@code json} to the gateway path; completes with the answer whatever its status. */
    CompletableFuture<BoundedHttp.Answer> post(URI base, String path, String json, Duration timeout) {
        HttpRequest req = BoundedHttp.request(base.resolve(path)).timeout(timeout)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return http.send(req, MAX_JSON_BYTES, timeout);
    }

    CompletableFuture<BoundedHttp.Answer> get(URI base, String path, Duration timeout) {
        return http.send(BoundedHttp.request(base.resolve(path)).timeout(timeout).GET().build(), MAX_JSON_BYTES, timeout);
    }

    /** GETs {@code /metrics}, parsing it as it arrives; non-200 answers complete with a {@link BadResponse}. */
    CompletableFuture<MetricsPage> metrics(URI base, Duration timeout) {
        HttpRequest req = BoundedHttp.request(base.resolve("/metrics")).timeout(timeout)
            .header("Accept", "text/plain;version=0.0.4").GET().build();
        return http.send(req, info -> info.statusCode() == 200 ? new PageSink() : new Discard(), timeout)
            .thenApply(r -> {
                if (r.statusCode() != 200) {
                    throw new CompletionException(new BadResponse("GET /metrics answered HTTP " + r.statusCode()));
                }
                return r.body();
            });
    }

    /** The bounded reason of a failed request: the common reasons of the net layer. */
    static ProbeFailure failure(Throwable t, String endpoint) {
        return BoundedHttp.failure(t, endpoint);
    }

    static Throwable unwrap(Throwable t) {
        return BoundedHttp.unwrap(t);
    }

    private static final class PageSink implements BoundedHttp.Sink<MetricsPage> {
        private final MetricsPage.Parser parser = new MetricsPage.Parser();

        @Override
        public void accept(ByteBuffer chunk) throws BadResponse {
            byte[] b = new byte[chunk.remaining()];
            chunk.get(b);
            parser.feed(b, 0, b.length);
        }

        @Override
        public MetricsPage finish() throws BadResponse {
            return parser.finish();
        }
    }

    private static final class Discard implements BoundedHttp.Sink<MetricsPage> {
        @Override
        public void accept(ByteBuffer chunk) throws IOException {
            chunk.position(chunk.limit());
        }

        @Override
        public MetricsPage finish() {
            return null;
        }
    }
}
