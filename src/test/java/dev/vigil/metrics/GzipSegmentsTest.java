package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GzipSegmentsTest {
    @Test
    void theCrcOfTwoPartsIsMadeFromTheirOwnCrcs() {
        Random random = new Random(16);
        for (int n : new int[] {0, 1, 2, 3, 7, 8, 255, 4096, 100_003, 2_900_000}) {
            byte[] a = new byte[random.nextInt(1000)];
            byte[] b = new byte[n];
            random.nextBytes(a);
            random.nextBytes(b);
            CRC32 whole = new CRC32();
            whole.update(a);
            whole.update(b);
            assertEquals((int) whole.getValue(), GzipSegments.combine(crc(a), crc(b), b.length), "length " + n);
        }
    }

    @Test
    void segmentsCompressedApartMakeOneGzipMember() throws Exception {
        byte[][] parts = {"# HELP a A.\n# TYPE a gauge\na 1.0\n".getBytes(StandardCharsets.UTF_8),
            "b{target=\"x\"} 2.0\n".repeat(5000).getBytes(StandardCharsets.UTF_8), new byte[0]};
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(GzipSegments.HEADER);
        int crc = 0;
        long size = 0;
        for (int i = 0; i < parts.length; i++) {
            GzipSegments.deflate(Unpooled.wrappedBuffer(parts[i]), out, i == parts.length - 1);
            crc = GzipSegments.combine(crc, crc(parts[i]), parts[i].length);
            size += parts[i].length;
        }
        out.writeIntLE(crc);
        out.writeIntLE((int) size);
        byte[] gz = new byte[out.readableBytes()];
        out.readBytes(gz);
        byte[] unzipped = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
        assertArrayEquals((new String(parts[0], StandardCharsets.UTF_8) + new String(parts[1], StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8), unzipped);
    }

    private static int crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return (int) c.getValue();
    }
}
