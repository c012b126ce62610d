package dev.vigil.backup;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * pg_dump custom format ({@code -Fc}): the {@code PGDMP} header, the table of contents entry by entry (as
 * {@code pg_restore -l} reads it, archive versions 1.12 to 1.16), then every data block to the end of the file, so a
 * dump cut anywhere is caught, not only one cut in its header.
 */
final class PgDumpCheck implements FormatCheck {
    private static final byte[] MAGIC = "PGDMP".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT_CUSTOM = 1;
    private static final int BLK_DATA = 1;
    private static final int BLK_BLOBS = 3;

    private int intSize;
    private int offSize;
    private int version;

    private static int v(int major, int minor) {
        return (major << 16) | (minor << 8);
    }

    @Override
    public Integrity check(InputStream in, long size) throws IOException {
        byte[] magic = in.readNBytes(5);
        if (magic.length < 5 || !java.util.Arrays.equals(magic, MAGIC)) {
            return new Integrity(Integrity.BAD_MAGIC, magic.length < 5 ? "shorter than the PGDMP header"
                : "no PGDMP magic: not a pg_dump custom-format archive (a plain SQL dump needs kind file)");
        }
        try {
            int major = Bytes.readByte(in);
            int minor = Bytes.readByte(in);
            int rev = Bytes.readByte(in);
            version = (major << 16) | (minor << 8) | rev;
            intSize = Bytes.readByte(in);
            offSize = Bytes.readByte(in);
            int format = Bytes.readByte(in);
            if (major != 1 || intSize < 1 || intSize > 8 || offSize < 1 || offSize > 8) {
                return new Integrity(Integrity.BAD_MAGIC, "unsupported archive version " + major + "." + minor
                    + " or integer sizes " + intSize + "/" + offSize);
            }
            if (format != FORMAT_CUSTOM) {
                return new Integrity(Integrity.BAD_MAGIC, "archive format " + format + " is not the custom format (-Fc)");
            }
            if (version >= v(1, 15)) {
                Bytes.readByte(in); // compression algorithm
            } else {
                readInt(in); // compression level
            }
            for (int i = 0; i < 7; i++) {
                readInt(in); // creation time: sec, min, hour, mday, mon, year, isdst
            }
            String db = readStr(in);
            readStr(in); // server version
            String dumpVersion = readStr(in);
            int entries = readInt(in);
            if (entries < 0 || entries > 10_000_000) {
                return new Integrity(Integrity.BAD_MAGIC, "implausible table of contents size " + entries);
            }
            for (int i = 0; i < entries; i++) {
                readTocEntry(in);
            }
            int blocks = readDataBlocks(in);
            return Integrity.ok("pg_dump " + dumpVersion + " of database " + db + ": " + entries
                + " table-of-contents entries, " + blocks + " data blocks");
        } catch (EOFException e) {
            return new Integrity(Integrity.TRUNCATED, "the archive ends in the middle (after " + size + " bytes)");
        }
    }

    private void readTocEntry(InputStream in) throws IOException {
        readInt(in); // dump id
        readInt(in); // had dumper
        readStr(in); // table oid
        readStr(in); // oid
        readStr(in); // tag
        readStr(in); // desc
        readInt(in); // section
        readStr(in); // definition
        readStr(in); // drop statement
        readStr(in); // copy statement
        readStr(in); // namespace
        readStr(in); // tablespace
        if (version >= v(1, 14)) {
            readStr(in); // table access method
        }
        if (version >= v(1, 16)) {
            readInt(in); // relkind
        }
        readStr(in); // owner
        readStr(in); // "with oids", always false since 12
        while (readStr(in) != null) {
            // dependencies, ended by a null string
        }
        Bytes.readByte(in); // data state
        Bytes.skipFully(in, offSize); // data offset
    }

    /** Walks the data blocks to the end of the file; returns how many there were. */
    private int readDataBlocks(InputStream in) throws IOException {
        int blocks = 0;
        int type;
        while ((type = in.read()) >= 0) {
            readInt(in); // dump id
            if (type == BLK_DATA) {
                skipChunks(in);
            } else if (type == BLK_BLOBS) {
                while (readInt(in) != 0) { // blob oid, 0 ends the list
                    skipChunks(in);
                }
            } else {
                throw new EOFException("unknown block type " + type);
            }
            blocks++;
        }
        return blocks;
    }

    private void skipChunks(InputStream in) throws IOException {
        int len;
        while ((len = readInt(in)) != 0) {
            if (len < 0) {
                throw new EOFException("negative chunk length");
            }
            Bytes.skipFully(in, len);
        }
    }

    private int readInt(InputStream in) throws IOException {
        int sign = Bytes.readByte(in);
        long value = 0;
        for (int i = 0; i < intSize; i++) {
            value |= (long) Bytes.readByte(in) << (8 * i);
        }
        return (int) (sign != 0 ? -value : value);
    }

    private String readStr(InputStream in) throws IOException {
        int len = readInt(in);
        if (len < 0) {
            return null;
        }
        if (len > 256 << 20) {
            throw new EOFException("implausible string length " + len);
        }
        return new String(Bytes.readFully(in, len), StandardCharsets.UTF_8);
    }
}
