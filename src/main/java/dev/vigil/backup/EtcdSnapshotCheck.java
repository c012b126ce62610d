package dev.vigil.backup;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * etcd snapshots ({@code etcdctl snapshot save}, k3s {@code etcd-snapshot}): a bbolt database (meta page magic
 * {@code 0xED0CDAED}, whole pages) followed by the SHA-256 of the database that etcd appends. {@code etcdctl snapshot
 * status} does not look at that hash; {@code snapshot restore} refuses a file without it, so this check does too.
 */
final class EtcdSnapshotCheck implements FormatCheck {
    private static final int BOLT_MAGIC = 0xED0CDAED;
    private static final int HASH = 32;

    @Override
    public Integrity check(InputStream in, long size) throws IOException {
        byte[] head = in.readNBytes(32);
        if (head.length < 32 || le32(head, 16) != BOLT_MAGIC) {
            return new Integrity(Integrity.BAD_MAGIC, "no bbolt meta page: not an etcd snapshot");
        }
        long pageSize = le32(head, 24) & 0xffffffffL;
        if (pageSize < 512 || pageSize > 1 << 20 || Long.bitCount(pageSize) != 1) {
            return new Integrity(Integrity.BAD_MAGIC, "implausible bbolt page size " + pageSize);
        }
        long dbSize = size - HASH;
        if (dbSize <= 0 || dbSize % pageSize != 0) {
            return new Integrity(Integrity.TRUNCATED, size % pageSize == 0
                ? "no SHA-256 appended after the database (etcdctl snapshot restore refuses it: snapshot missing hash)"
                : "the file is not whole pages plus the appended SHA-256: it was cut");
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        sha.update(head);
        long remaining = dbSize - head.length;
        byte[] buf = new byte[64 * 1024];
        while (remaining > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
            if (n < 0) {
                return new Integrity(Integrity.TRUNCATED, "the file ended while it was read");
            }
            sha.update(buf, 0, n);
            remaining -= n;
        }
        byte[] stored = in.readNBytes(HASH);
        if (stored.length < HASH) {
            return new Integrity(Integrity.TRUNCATED, "the appended SHA-256 is cut");
        }
        if (!MessageDigest.isEqual(stored, sha.digest())) {
            return new Integrity(Integrity.CHECKSUM_MISMATCH, "the SHA-256 appended by etcd does not match the database");
        }
        return Integrity.ok("bbolt database of " + dbSize + " bytes (" + dbSize / pageSize + " pages), SHA-256 verified");
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }
}
