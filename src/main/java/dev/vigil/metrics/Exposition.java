package dev.vigil.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

/**
 * Renders the registry in the format the {@code Accept} header asks for: OpenMetrics 1.0 when asked for, else the
 * Prometheus text format 0.0.4 (the protobuf format is not offered), gzip-compressed when the client accepts it.
 *
 * <p>The agent's own collector ({@link VigilCollector}, most of the series) is rendered by itself, straight to text,
 * with every target's lines cached until its result changes ({@link TargetsText}); the rest of the registry (JVM and
 * web metrics) goes through the Prometheus client's writers. The body is a composite of direct buffers handed to the
 * server as they are: the few kilobytes rendered at each scrape, and the targets' text (or its compressed segment,
 * see {@link GzipSegments}) shared with other scrapes while no result changes.
 */
public final class Exposition {
    private static final byte[] EOF = "# EOF\n".getBytes(StandardCharsets.US_ASCII);

    private final PrometheusRegistry registry;
    private final VigilCollector vigil;
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final ExpositionFormats formats = ExpositionFormats.init();

    /** A rendered scrape. Its content holds buffers: whoever takes the body releases it (the server, once sent). */
    public record Body(ByteBuf content, String contentType, boolean gzipped) {
        /** Reads the whole body into an array and releases it: once, for tests and tools. */
        public byte[] bytes() {
            try {
                return ByteBufUtil.getBytes(content);
            } finally {
                content.release();
            }
        }

        public int length() {
            return content.readableBytes();
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
            return new Body(Unpooled.wrappedBuffer(buffer.toByteArray()), writer.getContentType(), gzip);
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
        ByteBuf first = Unpooled.wrappedBuffer(head.toByteArray());
        ByteBuf last = Unpooled.wrappedBuffer(openMetrics ? EOF : new byte[0]);
        // what is rendered at this scrape goes around the targets' part, in direct buffers too
        ByteBuf before = alloc.directBuffer(first.readableBytes() + GzipSegments.HEADER.length);
        ByteBuf after = alloc.directBuffer(64);
        TargetsText.Part targets = null;
        try {
            if (gzip) {
                before.writeBytes(GzipSegments.HEADER);
                GzipSegments.deflate(first, before, false);
                GzipSegments.deflate(last, after, true);
            } else {
                before.writeBytes(first);
                after.writeBytes(last);
            }
            targets = vigil.targetText(openMetrics, gzip);
            if (gzip) {
                int crc = GzipSegments.combine(crc(first), targets.crc(), targets.length());
                crc = GzipSegments.combine(crc, crc(last), last.readableBytes());
                after.writeIntLE(crc);
                after.writeIntLE((int) ((long) first.readableBytes() + targets.length() + last.readableBytes()));
            }
        } catch (RuntimeException | Error e) {
            before.release();
            after.release();
            if (targets != null) {
                targets.content().release();
            }
            throw e;
        }
        CompositeByteBuf body = alloc.compositeDirectBuffer(3).addComponents(true, before, targets.content(), after);
        return new Body(body, writer.getContentType(), gzip);
    }

    private static int crc(ByteBuf b) {
        CRC32 crc = new CRC32();
        crc.update(b.nioBuffer());
        return (int) crc.getValue();
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
