package dev.vigil.backup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Redis RDB: the {@code REDIS} magic and 4-digit version, the EOF opcode, and the CRC-64 (Jones) Redis writes over
 * everything before it in the last 8 bytes (RDB version 5 and later; a zero checksum means checksums were disabled).
 */
final class RedisRdbCheck implements FormatCheck {
    private static final long[] TABLE = new long[256];
    private static final int RDB_OPCODE_EOF = 0xFF;

    static {
        final long poly = 0x95AC9329AC4BC9B5L; // reflected Jones polynomial
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ poly : crc >>> 1;
            }
            TABLE[i] = crc;
        }
    }

    static long crc64(long crc, byte[] b, int off, int len) {
        long c = crc;
        for (int i = off; i < off + len; i++) {
            c = TABLE[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
        }
        return c;
    }

    @Override
    public Integrity check(InputStream in, long size) throws IOException {
        byte[] header = in.readNBytes(9);
        if (header.length < 9 || !new String(header, 0, 5, StandardCharsets.US_ASCII).equals("REDIS")) {
            return new Integrity(Integrity.BAD_MAGIC, header.length < 9 ? "shorter than the RDB header"
                : "no REDIS magic: not an RDB file");
        }
        String versionText = new String(header, 5, 4, StandardCharsets.US_ASCII);
        int version;
        try {
            version = Integer.parseInt(versionText);
        } catch (NumberFormatException e) {
            return new Integrity(Integrity.BAD_MAGIC, "RDB version \"" + versionText + "\" is not a number");
        }
        if (version < 5) {
            return size < 10 ? new Integrity(Integrity.TRUNCATED, "no data after the header")
                : Integrity.ok("RDB version " + version + " (no checksum before version 5)");
        }
        if (size < 9 + 1 + 8) {
            return new Integrity(Integrity.TRUNCATED, "too short for an RDB file with an EOF marker and checksum");
        }
        long crc = crc64(0, header, 0, header.length);
        long remaining = size - 9 - 8; // bytes covered by the checksum after the header
        byte[] buf = new byte[64 * 1024];
        int last = -1;
        while (remaining > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                return new Integrity(Integrity.TRUNCATED, "the file is shorter than its size said while reading");
            }
            crc = crc64(crc, buf, 0, n);
            last = buf[n - 1] & 0xff;
            remaining -= n;
        }
        byte[] trailer = in.readNBytes(8);
        if (trailer.length < 8) {
            return new Integrity(Integrity.TRUNCATED, "the checksum at the end is cut");
        }
        long stored = 0;
        for (int i = 7; i >= 0; i--) {
            stored = (stored << 8) | (trailer[i] & 0xff);
        }
        if (stored == 0) {
            return last == RDB_OPCODE_EOF ? Integrity.ok("RDB version " + version + ", checksum disabled (rdbchecksum no)")
                : new Integrity(Integrity.TRUNCATED, "no EOF marker at the end");
        }
        if (stored != crc) {
            return new Integrity(last == RDB_OPCODE_EOF ? Integrity.CHECKSUM_MISMATCH : Integrity.TRUNCATED,
                last == RDB_OPCODE_EOF ? "CRC-64 of the data does not match the one stored at the end"
                    : "no EOF marker before the last 8 bytes: the file is cut");
        }
        return Integrity.ok("RDB version " + version + ", CRC-64 verified");
    }
}
