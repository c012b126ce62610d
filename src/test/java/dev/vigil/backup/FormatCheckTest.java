package dev.vigil.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every check on the real backups of ../shared/fixtures/backups (copied to test resources) and their damaged copies. */
class FormatCheckTest {
    static Path fixture(String name) throws Exception {
        return Path.of(FormatCheckTest.class.getResource("/backups/" + name).toURI());
    }

    static Integrity judge(FormatCheck check, Path file) throws Exception {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
            return check.check(in, Files.size(file));
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "pg_dump, app.pgdump, ok",
        "pg_dump, lab-set/postgres/app.pgdump, ok",
        "pg_dump, app.truncated.pgdump, truncated",
        "pg_dump, lab-set/bad/app.truncated.pgdump, truncated",
        "pg_dump, app.badmagic.pgdump, bad_magic",
        "pg_dump, lab-set/bad/app.badmagic.pgdump, bad_magic",
        "pg_dump, dump.rdb, bad_magic",
        "redis_rdb, dump.rdb, ok",
        "redis_rdb, lab-set/redis/dump.rdb, ok",
        "redis_rdb, dump.corrupt.rdb, checksum_mismatch",
        "redis_rdb, lab-set/bad/dump.bitflip.rdb, checksum_mismatch",
        "redis_rdb, lab-set/bad/dump.truncated.rdb, truncated",
        "redis_rdb, app.pgdump, bad_magic",
        "etcd_snapshot, etcd-snapshot.db, ok",
        "etcd_snapshot, lab-set/etcd/etcd-snapshot.db, ok",
        "etcd_snapshot, etcd-snapshot.truncated.db, truncated",
        "etcd_snapshot, lab-set/bad/etcd-snapshot.nohash.db, truncated",
        "etcd_snapshot, lab-set/bad/etcd-snapshot.truncated.db, truncated",
        "etcd_snapshot, dump.rdb, bad_magic",
        "tar.gz, zookeeper-backup.tar.gz, ok",
        "tar.gz, lab-set/tarballs/kafka-20261122T000000Z.tar.gz, ok",
        "tar.gz, lab-set/tarballs/zookeeper-20261122T000000Z.tar.gz, ok",
        "tar.gz, zookeeper-backup.truncated.tar.gz, truncated",
        "tar.gz, lab-set/bad/kafka-20261122T000000Z.truncated.tar.gz, truncated",
        "tar.gz, lab-set/bad/zookeeper-20261122T000000Z.bitflip.tar.gz, checksum_mismatch",
        "tar.gz, app.pgdump, bad_magic",
        "tar, rsync-tree.tar, ok",
        "tar, lab-set/rsync/rsync-snapshots.tar, ok",
        "tar, dump.rdb, bad_magic",
    })
    void judgesRealBackups(String kind, String file, String reason) throws Exception {
        Integrity i = judge(BackupFormats.check(kind), fixture(file));
        assertEquals(reason, i.reason(), i.detail());
    }

    @Test
    void pgDumpReadsTheWholeTableOfContents() throws Exception {
        Integrity i = judge(new PgDumpCheck(), fixture("app.pgdump"));
        assertTrue(i.detail().contains("11 table-of-contents entries"), i.detail());
        assertTrue(i.detail().contains("database app"), i.detail());
    }

    @Test
    void crc64IsRedisOwn() {
        byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xe9c6d914c4b8d9caL, RedisRdbCheck.crc64(0, b, 0, b.length)); // test vector of redis/src/crc64.c
    }

    /**
     * k3s --etcd-snapshot-compress: the real snapshot as the single entry of a zip written by Info-ZIP's zip (stored
     * sizes in the local header) and by a streaming writer like Go's archive/zip, which k3s uses (sizes in a data
     * descriptor after the data).
     */
    @Test
    void judgesK3sZippedSnapshotsByTheirEntry(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path good = zip(dir.resolve("etcd-snapshot-s1-1764892800.zip"), "etcd-snapshot-s1-1764892800",
            Files.readAllBytes(fixture("etcd-snapshot.db")));
        assertEquals("ok", judge(new EtcdSnapshotCheck(), good).reason(), judge(new EtcdSnapshotCheck(), good).detail());
        assertTrue(judge(new EtcdSnapshotCheck(), good).detail().contains("in zip entry etcd-snapshot-s1-1764892800"));

        Path inner = zip(dir.resolve("inner-cut.zip"), "s", Files.readAllBytes(fixture("etcd-snapshot.truncated.db")));
        assertEquals("truncated", judge(new EtcdSnapshotCheck(), inner).reason());
        Path nohash = zip(dir.resolve("nohash.zip"), "s", Files.readAllBytes(fixture("lab-set/bad/etcd-snapshot.nohash.db")));
        assertEquals("truncated", judge(new EtcdSnapshotCheck(), nohash).reason());

        byte[] whole = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertEquals("truncated", judge(new EtcdSnapshotCheck(), cut).reason(), judge(new EtcdSnapshotCheck(), cut).detail());

        Path notSnapshot = zip(dir.resolve("rdb.zip"), "dump.rdb", Files.readAllBytes(fixture("dump.rdb")));
        assertEquals("bad_magic", judge(new EtcdSnapshotCheck(), notSnapshot).reason());

        Path two = dir.resolve("two.zip");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(two))) {
            for (String name : new String[] {"a", "b"}) {
                z.putNextEntry(new java.util.zip.ZipEntry(name));
                z.write(Files.readAllBytes(fixture("etcd-snapshot.db")));
                z.closeEntry();
            }
        }
        assertEquals("bad_magic", judge(new EtcdSnapshotCheck(), two).reason());
    }

    @Test
    void judgesASnapshotZippedByInfoZip(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        String zipTool = dev.vigil.it.Tools.require("zip", "zip");
        Path snapshot = dir.resolve("etcd-snapshot-s1-1764892800");
        Files.copy(fixture("etcd-snapshot.db"), snapshot);
        dev.vigil.it.Tools.Exec z = dev.vigil.it.Tools.exec(java.time.Duration.ofSeconds(30), zipTool,
            "-j", "-q", dir.resolve("s.zip").toString(), snapshot.toString());
        assertEquals(0, z.code(), z.output());
        Integrity i = judge(new EtcdSnapshotCheck(), dir.resolve("s.zip"));
        assertEquals("ok", i.reason(), i.detail());
    }

    /** A zip as a streaming writer makes it: deflated, sizes and CRC in a data descriptor after the data. */
    private static Path zip(Path file, String entry, byte[] content) throws Exception {
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            z.putNextEntry(new java.util.zip.ZipEntry(entry));
            z.write(content);
            z.closeEntry();
        }
        return file;
    }
}
