package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import dev.vigil.net.BoundedHttp;
import dev.vigil.net.IpFamily;
import dev.vigil.probe.ProbeFailure;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLContext;

/**
 * etcd over the shared {@link BoundedHttp} client: the JSON gateway ({@code POST /v3/...}) and the plain pages
 * ({@code /health}, {@code /metrics}). Every request is asynchronous with its own timeout, so members are asked in
 * parallel and a member that hangs costs its deadline; every body is bounded.
 */
final class EtcdHttp {
    static final int MAX_JSON_BYTES = 1 << 20;

    private final BoundedHttp http;

    EtcdHttp(SSLContext ssl, IpFamily family) {
        http = new BoundedHttp(ssl, family);
    }

    /** POSTs {@code json} to the gateway path; completes with the answer whatever its status. */
    CompletableFuture<BoundedHttp.Answer> post(URI base, String path, String json, Duration timeout) {
        BoundedHttp.Request req = BoundedHttp.request(base.resolve(path)).header("Content-Type", "application/json")
            .POST(json);
        return http.send(req, MAX_JSON_BYTES, timeout);
    }

    CompletableFuture<BoundedHttp.Answer> get(URI base, String path, Duration timeout) {
        return http.send(BoundedHttp.request(base.resolve(path)).GET(), MAX_JSON_BYTES, timeout);
    }

    /** GETs {@code /metrics}, parsing it as it arrives; non-200 answers complete with a {@link BadResponse}. */
    CompletableFuture<MetricsPage> metrics(URI base, Duration timeout) {
        BoundedHttp.Request req = BoundedHttp.request(base.resolve("/metrics"))
            .header("Accept", "text/plain;version=0.0.4").GET();
        return http.send(req, info -> info.status() == 200 ? new PageSink() : new Discard(), MetricsPage.MAX_BYTES + 1L,
                timeout)
            .thenApply(r -> {
                if (r.status() != 200) {
                    throw new CompletionException(new BadResponse("GET /metrics answered HTTP " + r.status()));
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
            parser.feed(chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
            chunk.position(chunk.limit());
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
