package dev.vigil.backup;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * etcd snapshots ({@code etcdctl snapshot save}, k3s {@code etcd-snapshot}): a bbolt database (meta page magic
 * {@code 0xED0CDAED}, whole pages) followed by the SHA-256 of the database that etcd appends. {@code etcdctl snapshot
 * status} does not look at that hash; {@code snapshot restore} refuses a file without it, so this check does too.
 *
 * <p>k3s started with {@code --etcd-snapshot-compress} writes each snapshot as a {@code .zip} whose single entry is
 * the snapshot file; such a file (it starts with a zip local header) is judged by that entry, decompressed as it is
 * read, up to {@link #MAX_SNAPSHOT_BYTES} (etcd's largest supported quota is 8 GiB).
 */
final class EtcdSnapshotCheck implements FormatCheck {
    private static final int BOLT_MAGIC = 0xED0CDAED;
    private static final int ZIP_MAGIC = 0x04034b50;
    private static final int HASH = 32;
    static final long MAX_SNAPSHOT_BYTES = 16L << 30;

    @Override
    public Integrity check(InputStream in, long size) throws IOException {
        InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in);
        buffered.mark(4);
        byte[] magic = buffered.readNBytes(4);
        buffered.reset();
        if (magic.length == 4 && le32(magic, 0) == ZIP_MAGIC) {
            return zipped(buffered);
        }
        return snapshot(buffered, "");
    }

    private Integrity zipped(InputStream in) throws IOException {
        ZipInputStream zip = new ZipInputStream(in);
        try {
            ZipEntry entry = zip.getNextEntry();
            if (entry == null) {
                return new Integrity(Integrity.TRUNCATED, "zip archive without an entry: the snapshot is missing");
            }
            if (entry.isDirectory()) {
                return new Integrity(Integrity.BAD_MAGIC, "the zip archive's first entry is a directory, not a snapshot");
            }
            Integrity inner = snapshot(zip, " (in zip entry " + safeName(entry.getName()) + ")");
            if (!inner.isOk()) {
                return inner;
            }
            zip.closeEntry(); // reads the rest of the entry and its data descriptor: a cut archive fails here
            if (zip.getNextEntry() != null) {
                return new Integrity(Integrity.BAD_MAGIC, "the zip archive has more than one entry: not a k3s snapshot");
            }
            return inner;
        } catch (ZipException | java.io.EOFException e) {
            return new Integrity(Integrity.TRUNCATED, "the zip archive is damaged or cut: " + e.getMessage());
        }
    }

    /** Judges a snapshot streamed to its end; its length is learned as it is read (a zip entry may not say it). */
    private Integrity snapshot(InputStream in, String where) throws IOException {
        byte[] head = in.readNBytes(32);
        if (head.length < 32 || le32(head, 16) != BOLT_MAGIC) {
            return new Integrity(Integrity.BAD_MAGIC, "no bbolt meta page: not an etcd snapshot" + where);
        }
        long pageSize = le32(head, 24) & 0xffffffffL;
        if (pageSize < 512 || pageSize > 1 << 20 || Long.bitCount(pageSize) != 1) {
            return new Integrity(Integrity.BAD_MAGIC, "implausible bbolt page size " + pageSize + where);
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        // everything but the last 32 bytes is the database: hold back 32 bytes until the end is known
        byte[] buf = new byte[64 * 1024 + HASH];
        System.arraycopy(head, 0, buf, 0, head.length);
        int held = head.length;
        long total = head.length;
        while (true) {
            int n = in.read(buf, held, buf.length - held);
            if (n < 0) {
                break;
            }
            held += n;
            total += n;
            if (total > MAX_SNAPSHOT_BYTES) {
                return new Integrity(Integrity.BAD_MAGIC, "larger than " + (MAX_SNAPSHOT_BYTES >> 30)
                    + " GiB: not an etcd snapshot" + where);
            }
            if (held > HASH) {
                sha.update(buf, 0, held - HASH);
                System.arraycopy(buf, held - HASH, buf, 0, HASH);
                held = HASH;
            }
        }
        long dbSize = total - HASH;
        if (held < HASH || dbSize <= 0 || dbSize % pageSize != 0) {
            return new Integrity(Integrity.TRUNCATED, total % pageSize == 0
                ? "no SHA-256 appended after the database (etcdctl snapshot restore refuses it: snapshot missing hash)"
                    + where
                : "the file is not whole pages plus the appended SHA-256: it was cut" + where);
        }
        byte[] stored = java.util.Arrays.copyOf(buf, HASH);
        if (!MessageDigest.isEqual(stored, sha.digest())) {
            return new Integrity(Integrity.CHECKSUM_MISMATCH, "the SHA-256 appended by etcd does not match the database"
                + where);
        }
        return Integrity.ok("bbolt database of " + dbSize + " bytes (" + dbSize / pageSize + " pages), SHA-256 verified"
            + where);
    }

    /** An entry name for a message: printable ASCII, at most 100 characters. */
    private static String safeName(String name) {
        String s = name.replaceAll("[^\\x20-\\x7e]", "?");
        return s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
