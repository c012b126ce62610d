package dev.vigil.backup;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;

/**
 * Throughput and CPU cost of the content checks on large valid files made here (256 MiB each): what one verifier
 * thread spends per GiB when {@code verify_rate} does not hold it back. Run: see README, "Benchmark".
 */
public final class BackupBenchmark {
    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("vigil-backup-bench");
        int size = 256 * MIB;
        Random random = new Random(1);
        byte[] chunk = new byte[MIB];

        Path rdb = dir.resolve("dump.rdb");
        long crc = 0;
        try (OutputStream out = Files.newOutputStream(rdb)) {
            byte[] header = "REDIS0011".getBytes();
            out.write(header);
            crc = RedisRdbCheck.crc64(crc, header, 0, header.length);
            for (int i = 0; i < size / MIB; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
                crc = RedisRdbCheck.crc64(crc, chunk, 0, chunk.length);
            }
            out.write(0xFF);
            crc = RedisRdbCheck.crc64(crc, new byte[] {(byte) 0xFF}, 0, 1);
            for (int i = 0; i < 8; i++) {
                out.write((int) (crc >>> (8 * i)) & 0xff);
            }
        }

        Path snap = dir.resolve("snapshot.db");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(snap)) {
            for (int i = 0; i < size / MIB; i++) {
                random.nextBytes(chunk);
                if (i == 0) {
                    java.nio.ByteBuffer.wrap(chunk, 16, 12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putInt(0xED0CDAED).putInt(2).putInt(4096);
                }
                out.write(chunk);
                sha.update(chunk);
            }
            out.write(sha.digest());
        }

        Path data = Files.createDirectories(dir.resolve("data"));
        try (OutputStream out = Files.newOutputStream(data.resolve("blob"))) {
            for (int i = 0; i < size / MIB; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Path tgz = dir.resolve("data.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", tgz.toString(), "-C", dir.toString(), "data").inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }

        measure("redis_rdb", rdb);
        measure("etcd_snapshot", snap);
        measure("tar.gz", tgz);
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static void measure(String kind, Path file) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 2; round++) { // the first round warms the JIT and the page cache
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            Integrity verdict = Verifier.judge(new Verifier.FileKey(file, Files.size(file), 0, null),
                BackupFormats.check(kind), 0);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double gib = Files.size(file) / (double) (1L << 30);
            if (round == 1) {
                System.out.printf("%-14s %s: %6.0f MiB/s, %5.2f CPU s per GiB%n", kind, verdict.reason(),
                    gib * 1024 / seconds, cpu / gib);
            }
        }
    }
}
