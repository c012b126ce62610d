package dev.vigil.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Renders the registry in the format the {@code Accept} header asks for: OpenMetrics 1.0 when asked for, else the
 * Prometheus text format 0.0.4 (the protobuf format is not offered), gzip-compressed when the client accepts it.
 */
public final class Exposition {
    private final PrometheusRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();

    /** A rendered scrape. */
    public record Body(byte[] bytes, String contentType, boolean gzipped) {
    }

    public Exposition(PrometheusRegistry registry) {
        this.registry = registry;
    }

    public Body render(String accept, String acceptEncoding) throws IOException {
        ExpositionFormatWriter writer = chooseWriter(accept);
        boolean gzip = acceptsGzip(acceptEncoding);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
        try (OutputStream out = gzip ? new GZIPOutputStream(buffer, 8192) : buffer) {
            writer.write(out, registry.scrape());
        }
        return new Body(buffer.toByteArray(), writer.getContentType(), gzip);
    }

    private ExpositionFormatWriter chooseWriter(String accept) {
        if (accept != null && accept.contains("application/openmetrics-text")) {
            return formats.getOpenMetricsTextFormatWriter();
        }
        return formats.getPrometheusTextFormatWriter();
    }

    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String part : acceptEncoding.split(",")) {
            String[] p = part.trim().split(";");
            if (p[0].trim().equalsIgnoreCase("gzip")) {
                for (int i = 1; i < p.length; i++) {
                    String q = p[i].trim();
                    if (q.startsWith("q=") && isZero(q.substring(2).trim())) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static boolean isZero(String q) {
        try {
            return Double.parseDouble(q) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
