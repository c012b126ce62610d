package dev.vigil.web;

import dev.vigil.agent.Agent;
import dev.vigil.config.ConfigError;
import dev.vigil.config.Durations;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.probe.TargetSnapshot;
import dev.vigil.probe.TargetState;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Produces;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/** {@code GET /}: one self-contained HTML page (no external assets) listing every target and its latest result. */
@Controller
public final class StatusPage {
    private final Agent agent;

    public StatusPage(Agent agent) {
        this.agent = agent;
    }

    @Get("/")
    @Produces(MediaType.TEXT_HTML)
    public String page() {
        long now = System.currentTimeMillis();
        ReloadStatus reload = agent.status();
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>vigil</title>")
            .append("<meta http-equiv=\"refresh\" content=\"30\"><style>")
            .append("body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}")
            .append("table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;")
            .append("border-bottom:1px solid #ddd;vertical-align:top}th{background:#f4f4f4}")
            .append(".ok{color:#1a7f37;font-weight:bold}.fail{color:#c62828;font-weight:bold}.pending{color:#777}.absent{color:#777}")
            .append("code{background:#f4f4f4;padding:0 3px}.msg{color:#555;font-size:90%}")
            .append("</style></head><body>");
        h.append("<h1>vigil</h1><p>version <code>").append(esc(agent.build().version())).append("</code>, revision <code>")
            .append(esc(agent.build().revision())).append("</code>, configuration <code>").append(esc(reload.source()))
            .append("</code>, ").append(agent.ready() ? "ready" : "not ready yet").append(". ")
            .append("<a href=\"/metrics\">metrics</a></p>");
        if (!reload.successful()) {
            h.append("<p class=\"fail\">The last reload was refused; the previous configuration keeps running:</p><ul>");
            for (ConfigError e : reload.errors()) {
                h.append("<li><code>").append(esc(e.toString())).append("</code></li>");
            }
            h.append("</ul>");
        }
        h.append("<table><thead><tr><th>kind</th><th>target</th><th>result</th><th>reason</th><th>last run</th>")
            .append("<th>duration</th><th>interval</th><th>failures</th></tr></thead><tbody>");
        for (TargetState s : agent.scheduler().states()) {
            TargetSnapshot last = s.last();
            h.append("<tr><td>").append(esc(s.target().kind())).append("</td><td>").append(esc(s.target().name()))
                .append("</td>");
            if (last == null) {
                h.append("<td class=\"pending\">pending</td><td></td><td>never</td><td></td>");
            } else {
                boolean ok = last.result().success();
                String state = last.result().isAbsent() ? "absent\">absent" : ok ? "ok\">ok" : "fail\">failed";
                h.append("<td class=\"").append(state).append("</td><td>")
                    .append(esc(last.result().reason()));
                if (!last.result().message().isEmpty()) {
                    h.append("<div class=\"msg\">").append(esc(last.result().message())).append("</div>");
                }
                for (Map.Entry<String, String> d : last.result().details().entrySet()) {
                    h.append("<div class=\"msg\">").append(esc(d.getKey())).append(": ").append(esc(d.getValue()))
                        .append("</div>");
                }
                h.append("</td><td title=\"").append(Instant.ofEpochMilli(last.finishedAtMillis()).truncatedTo(ChronoUnit.SECONDS))
                    .append("\">").append(Durations.format(Duration.ofSeconds(Math.max(0, (now - last.finishedAtMillis()) / 1000))))
                    .append(" ago</td><td>").append(String.format("%.3f s", last.durationSeconds())).append("</td>");
            }
            h.append("<td>").append(Durations.format(s.target().timing().interval())).append("</td><td>");
            s.failures().forEach((reason, n) -> h.append(esc(reason)).append(": ").append(n).append("<br>"));
            h.append("</td></tr>");
        }
        h.append("</tbody></table></body></html>\n");
        return h.toString();
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
