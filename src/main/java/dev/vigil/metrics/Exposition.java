package dev.vigil.metrics;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Renders the registry in the format the {@code Accept} header asks for: OpenMetrics 1.0 when asked for, else the
 * Prometheus text format 0.0.4 (the protobuf format is not offered), gzip-compressed when the client accepts it.
 *
 * <p>The agent's own collector ({@link VigilCollector}, most of the series) is rendered by itself, straight to text,
 * with every target's lines cached until its result changes; the rest of the registry (JVM and web metrics) goes
 * through the Prometheus client's writers. Compressed, the answer is one gzip member whose deflate stream is made
 * of independently compressed segments (each ends with a full flush), so the targets' segment is compressed once
 * per change and reused.
 */
public final class Exposition {
    private static final byte[] EOF = "# EOF\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int LEVEL = 1;

    private final PrometheusRegistry registry;
    private final VigilCollector vigil;
    private final ExpositionFormats formats = ExpositionFormats.init();

    /** A rendered scrape: its parts, to be sent one after the other. */
    public record Body(List<byte[]> parts, String contentType, boolean gzipped) {
        public Body {
            parts = List.copyOf(parts);
        }

        /** The whole body in one array (a copy; the server sends {@link #parts()}). */
        public byte[] bytes() {
            if (parts.size() == 1) {
                return parts.get(0);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(length());
            parts.forEach(out::writeBytes);
            return out.toByteArray();
        }

        public int length() {
            return parts.stream().mapToInt(p -> p.length).sum();
        }
    }

    /** Cached text with its compressed form, computed once when first asked. */
    static final class Segment {
        final byte[] text;
        private volatile byte[] deflated;

        Segment(byte[] text) {
            this.text = text;
        }

        byte[] deflated() {
            byte[] d = deflated;
            if (d == null) {
                d = deflate(text, false);
                deflated = d;
            }
            return d;
        }
    }

    /** Renders every collector of {@code registry} through the Prometheus client's writers. */
    public Exposition(PrometheusRegistry registry) {
        this(registry, null);
    }

    /** Renders {@code vigil} (not registered in {@code registry}) directly, and the rest through the client. */
    public Exposition(PrometheusRegistry registry, VigilCollector vigil) {
        this.registry = registry;
        this.vigil = vigil;
    }

    public Body render(String accept, String acceptEncoding) throws IOException {
        ExpositionFormatWriter writer = chooseWriter(accept);
        boolean openMetrics = writer == formats.getOpenMetricsTextFormatWriter();
        boolean gzip = acceptsGzip(acceptEncoding);
        if (vigil == null) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream(64 * 1024);
            try (OutputStream out = gzip ? new GZIPOutputStream(buffer, 8192) : buffer) {
                writer.write(out, registry.scrape());
            }
            return new Body(List.of(buffer.toByteArray()), writer.getContentType(), gzip);
        }
        ByteArrayOutputStream head = new ByteArrayOutputStream(16 * 1024);
        writer.write(head, registry.scrape());
        byte[] others = head.toByteArray();
        int othersLength = others.length;
        if (openMetrics && endsWith(others, EOF)) {
            othersLength -= EOF.length;
        }
        head.reset();
        head.write(others, 0, othersLength);
        head.write(vigil.agentText(openMetrics));
        byte[] first = head.toByteArray();
        Segment targets = vigil.targetText(openMetrics);
        byte[] last = openMetrics ? EOF : new byte[0];
        if (!gzip) {
            return new Body(List.of(first, targets.text, last), writer.getContentType(), false);
        }
        CRC32 crc = new CRC32();
        crc.update(first);
        crc.update(targets.text);
        crc.update(last);
        long size = (long) first.length + targets.text.length + last.length;
        byte[] trailer = new byte[8];
        writeIntLe(trailer, 0, (int) crc.getValue());
        writeIntLe(trailer, 4, (int) size);
        List<byte[]> parts = new ArrayList<>(List.of(GZIP_HEADER, deflate(first, false), targets.deflated(),
            deflate(last, true), trailer));
        return new Body(parts, writer.getContentType(), true);
    }

    /** Raw deflate of {@code data} from an empty dictionary, ending with a full flush, or finished when last. */
    static byte[] deflate(byte[] data, boolean finish) {
        Deflater d = new Deflater(LEVEL, true);
        try {
            d.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 4));
            byte[] buf = new byte[64 * 1024];
            if (finish) {
                d.finish();
                while (!d.finished()) {
                    out.write(buf, 0, d.deflate(buf, 0, buf.length, Deflater.NO_FLUSH));
                }
            } else {
                int n;
                do {
                    n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
                    out.write(buf, 0, n);
                } while (n == buf.length);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static void writeIntLe(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static boolean endsWith(byte[] a, byte[] suffix) {
        return a.length >= suffix.length
            && Arrays.equals(a, a.length - suffix.length, a.length, suffix, 0, suffix.length);
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
