package dev.vigil.web;

import dev.vigil.agent.Agent;
import dev.vigil.metrics.Exposition;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Produces;
import io.micronaut.core.annotation.Nullable;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/** {@code GET /metrics}: renders the latest results; never runs a probe. */
@Controller
public final class MetricsController {
    private final Agent agent;

    public MetricsController(Agent agent) {
        this.agent = agent;
    }

    @Get("/metrics")
    @Produces({MediaType.TEXT_PLAIN, "application/openmetrics-text", MediaType.ALL})
    public HttpResponse<ByteBuf> metrics(@Nullable @Header(HttpHeaders.ACCEPT) String accept,
                                        @Nullable @Header(HttpHeaders.ACCEPT_ENCODING) String acceptEncoding)
        throws IOException {
        Exposition.Body body = agent.exposition().render(accept, acceptEncoding);
        agent.answered();
        // the body's direct buffers as they are (the targets' part is shared while no result changes); the server
        // releases them once sent
        var response = HttpResponse.ok(body.content()).contentType(body.contentType())
            .header(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
        if (body.gzipped()) {
            response.header(HttpHeaders.CONTENT_ENCODING, "gzip");
        }
        return response;
    }
}
