package dev.vigil.metrics;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * One gzip member whose deflate stream is made of segments compressed independently (each from an empty dictionary,
 * ending with a full flush, the last one finished), so that a segment that did not change (the targets' text) is
 * compressed once and sent again as it is. The member's CRC-32 is made from the segments' own CRCs.
 */
final class GzipSegments {
    static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int LEVEL = 1;
    private static final int CRC32_POLYNOMIAL = 0xedb88320;

    private GzipSegments() {
    }

    /** Appends the raw deflate of {@code in}'s readable bytes to {@code out}: flushed, or finished when last. */
    static void deflate(ByteBuf in, ByteBuf out, boolean finish) {
        Deflater d = new Deflater(LEVEL, true);
        try {
            d.setInput(in.nioBuffer());
            if (finish) {
                d.finish();
            }
            while (true) {
                out.ensureWritable(Math.max(256, in.readableBytes() / 8));
                ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = d.deflate(dst, finish ? Deflater.NO_FLUSH : Deflater.FULL_FLUSH);
                out.writerIndex(out.writerIndex() + n);
                if (finish ? d.finished() : dst.hasRemaining()) {
                    return;
                }
            }
        } finally {
            d.end();
        }
    }

    /**
     * The CRC-32 of {@code a} followed by {@code b}, from the CRC of each and the length of {@code b} (zlib's
     * {@code crc32_combine}: appending n zero bits to the message is a linear map over GF(2), applied by squaring).
     */
    static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] odd = new int[32];
        int[] even = new int[32];
        odd[0] = CRC32_POLYNOMIAL; // the operator for one zero bit
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four
        int crc = crcA;
        long len = lengthB;
        do {
            square(even, odd); // the first pass: one zero byte
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>>= 1;
        } while (len != 0);
        return crc ^ crcB;
    }

    private static int times(int[] matrix, int vector) {
        int sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(int[] square, int[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }
}
