package dev.vigil.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * tar and tar.gz: every header's checksum, every member's data, and the end-of-archive marker, through gzip's own CRC
 * when compressed. A tarball cut anywhere, or with a flipped bit, fails here as it fails {@code tar -t}.
 */
final class TarCheck implements FormatCheck {
    private final boolean gzip;

    TarCheck(boolean gzip) {
        this.gzip = gzip;
    }

    @Override
    public Integrity check(InputStream raw, long size) throws IOException {
        InputStream in;
        if (gzip) {
            try {
                in = new GZIPInputStream(raw, 64 * 1024);
            } catch (ZipException e) {
                return new Integrity(Integrity.BAD_MAGIC, "not gzip-compressed: " + e.getMessage());
            } catch (EOFException e) {
                return new Integrity(Integrity.TRUNCATED, "cut inside the gzip header");
            }
        } else {
            in = raw;
        }
        try {
            return walk(in);
        } catch (EOFException e) {
            return new Integrity(Integrity.TRUNCATED, "the archive ends before its end-of-archive marker"
                + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""));
        } catch (ZipException e) {
            return new Integrity(Integrity.CHECKSUM_MISMATCH, "corrupt gzip data: " + e.getMessage());
        }
    }

    private Integrity walk(InputStream in) throws IOException {
        int members = 0;
        long bytes = 0;
        boolean first = true;
        while (true) {
            byte[] header = in.readNBytes(512);
            if (header.length < 512) {
                if (first) {
                    return new Integrity(Integrity.BAD_MAGIC, "shorter than one tar header: not a tar archive");
                }
                throw new EOFException("cut inside a header");
            }
            if (isZero(header)) {
                Bytes.readFully(in, 512); // the second zero block
                if (first) {
                    return new Integrity(Integrity.EMPTY, "an archive with no member");
                }
                drain(in);
                return Integrity.ok(members + " members, " + bytes + " bytes of data");
            }
            if (first && !(header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r') && !checksumOk(header)) {
                return new Integrity(Integrity.BAD_MAGIC, "no tar header at the start");
            }
            if (!checksumOk(header)) {
                return new Integrity(Integrity.CHECKSUM_MISMATCH, "header " + (members + 1) + " has a bad checksum");
            }
            first = false;
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            boolean hasData = type == '0' || type == '\0' || type == '7' || type == 'L' || type == 'K' || type == 'x'
                || type == 'g' || type == 'S';
            long data = hasData ? size : 0;
            Bytes.skipFully(in, (data + 511) / 512 * 512);
            bytes += data;
            if (type != 'L' && type != 'K' && type != 'x' && type != 'g') {
                members++;
            }
        }
    }

    /** Reads what follows the end marker (padding) so gzip checks its trailer CRC. */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        while (in.read(buf) >= 0) {
            // padding to the record size
        }
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long stored;
        try {
            stored = octal(h, 148, 8);
        } catch (IOException e) {
            return false;
        }
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < 512; i++) {
            int b = i >= 148 && i < 156 ? ' ' : h[i];
            unsigned += b & 0xff;
            signed += i >= 148 && i < 156 ? ' ' : h[i];
        }
        return stored == unsigned || stored == signed;
    }

    private static long octal(byte[] h, int off, int len) throws IOException {
        if ((h[off] & 0x80) != 0) { // GNU base-256 for sizes over 8 GiB
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            v = v * 8 + (h[i] - '0');
        }
        if (i < end && h[i] != ' ' && h[i] != 0) {
            throw new IOException("bad octal field");
        }
        return v;
    }
}
