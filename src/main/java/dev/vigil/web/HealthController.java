package dev.vigil.web;

import dev.vigil.agent.Agent;
import dev.vigil.metrics.ReloadStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** {@code /healthz}, {@code /ready} and {@code POST /-/reload}. */
@Controller
@Produces(MediaType.TEXT_PLAIN)
public final class HealthController {
    private final Agent agent;

    public HealthController(Agent agent) {
        this.agent = agent;
    }

    /** The process is alive and serving HTTP. */
    @Get("/healthz")
    public String healthz() {
        return "ok\n";
    }

    /** The configuration is loaded and every target has been probed once. */
    @Get("/ready")
    public HttpResponse<String> ready() {
        if (agent.ready()) {
            return HttpResponse.ok("ready\n");
        }
        var failure = agent.scheduler().failure();
        if (failure.isPresent()) {
            return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE)
                .body("not ready: the scheduler cannot run targets (" + failure.get() + "); restart the agent\n");
        }
        long waiting = agent.scheduler().states().stream().filter(s -> s.last() == null).count();
        return HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE)
            .body("not ready: waiting for the first run of " + waiting + " target(s)\n");
    }

    /** Re-reads the configuration file; refuses an invalid one with its errors and keeps the running one. */
    @Post("/-/reload")
    public CompletableFuture<HttpResponse<String>> reload() {
        return agent.reloadAsync().handle((s, e) -> e == null ? answer(s)
            : HttpResponse.<String>status(HttpStatus.SERVICE_UNAVAILABLE).body("the agent is stopping\n"));
    }

    private HttpResponse<String> answer(ReloadStatus s) {
        if (s.successful()) {
            return HttpResponse.ok("configuration reloaded: " + agent.config().targets().size() + " target(s)\n");
        }
        String errors = s.errors().stream().map(Object::toString).collect(Collectors.joining("\n"));
        return HttpResponse.<String>status(HttpStatus.INTERNAL_SERVER_ERROR)
            .body("configuration refused, the previous one keeps running:\n" + errors + "\n");
    }
}
