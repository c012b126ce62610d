package dev.vigil.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real backups made by the real tools (pg_dump from a PostgreSQL the test starts, Redis SAVE, etcdctl snapshot save,
 * GNU tar, rsync --link-dest), then truncated, corrupted and emptied copies of each: every verdict asserted.
 */
class BackupToolsIT {
    @TempDir
    Path dir;
    private final List<Process> started = new ArrayList<>();
    private final List<Runnable> cleanups = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        cleanups.forEach(Runnable::run);
        for (Process p : started) {
            p.destroy();
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String run(String... cmd) throws Exception {
        Tools.Exec e = Tools.exec(Duration.ofMinutes(2), cmd);
        assertEquals(0, e.code(), String.join(" ", cmd) + ": " + e.output());
        return e.output();
    }

    private Process start(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(
            Path.of(cmd[0]).getFileName() + "-" + started.size() + ".log").toFile()).start();
        started.add(p);
        return p;
    }

    /** Judges one file with the probe of its kind, "now" an hour after the file was written. */
    private ProbeResult judge(String kind, Path file) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2026-11-23T03:00:00Z")));
        String yaml = "backups:\n  sets:\n    - {name: t, kind: " + kind + ", path: \"" + file + "\", every: 24h}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T04:00:00Z"), ZoneOffset.UTC);
        return new BackupKind(clock).create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(30)));
    }

    /** The original and its damaged copies, each with the verdict it must get. */
    private void assertDamageIsCaught(String kind, Path good, int flipAt) throws Exception {
        assertDamageIsCaught(kind, good, flipAt, 0);
    }

    /** {@code magicAt}: where the format's magic number is (etcd's bbolt magic is in the meta page at 16). */
    private void assertDamageIsCaught(String kind, Path good, int flipAt, int magicAt) throws Exception {
        assertEquals("ok", judge(kind, good).reason(), judge(kind, good).message());
        byte[] bytes = Files.readAllBytes(good);
        Path truncated = Files.write(dir.resolve(good.getFileName() + ".truncated"), Arrays.copyOf(bytes, bytes.length / 2));
        assertEquals("truncated", judge(kind, truncated).reason(), judge(kind, truncated).message());
        Path empty = Files.write(dir.resolve(good.getFileName() + ".empty"), new byte[0]);
        assertEquals("empty", judge(kind, empty).reason());
        Path badMagic = Files.write(dir.resolve(good.getFileName() + ".badmagic"), bytes);
        try (RandomAccessFile f = new RandomAccessFile(badMagic.toFile(), "rw")) {
            f.seek(magicAt);
            f.write("XXXXX".getBytes());
        }
        assertEquals("bad_magic", judge(kind, badMagic).reason(), judge(kind, badMagic).message());
        if (flipAt >= 0) {
            Path flipped = Files.write(dir.resolve(good.getFileName() + ".flipped"), bytes);
            try (RandomAccessFile f = new RandomAccessFile(flipped.toFile(), "rw")) {
                f.seek(flipAt);
                int b = f.read();
                f.seek(flipAt);
                f.write(~b);
            }
            assertEquals("checksum_mismatch", judge(kind, flipped).reason(), judge(kind, flipped).message());
        }
    }

    @Test
    void pgDumpOfARealDatabase() throws Exception {
        Tools.require("pg_dump", "postgresql-client");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
            "starting PostgreSQL as user postgres needs root (CI runs as root)");
        Path bin = Files.list(Path.of("/usr/lib/postgresql")).sorted().reduce((a, b) -> b)
            .map(v -> v.resolve("bin")).orElseThrow();
        Tools.require("runuser", "util-linux");
        Path pg = Files.createTempDirectory("vigil-pg");
        Files.setPosixFilePermissions(pg, PosixFilePermissions.fromString("rwxrwxrwx"));
        // pg_ctl refuses to run as root: stop the cluster as its owner, then kill what is left by the postmaster's pid
        cleanups.add(() -> {
            run0("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", pg.resolve("data").toString(),
                "stop", "-m", "immediate", "-w");
            try {
                Path pidFile = pg.resolve("data/postmaster.pid");
                if (Files.exists(pidFile)) {
                    long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | RuntimeException e) {
                // nothing left to stop
            }
            run0("rm", "-rf", pg.toString());
        });
        run("runuser", "-u", "postgres", "--", bin.resolve("initdb").toString(), "-D", pg.resolve("data").toString(),
            "-A", "trust", "-U", "postgres");
        int port = AgentProcess.freePort();
        run("runuser", "-u", "postgres", "--", bin.resolve("pg_ctl").toString(), "-D", pg.resolve("data").toString(),
            "-o", "-p " + port + " -k " + pg + " -c listen_addresses=''", "-l", pg.resolve("log").toString(), "-w", "start");
        String psql = bin.resolve("psql").toString();
        run("runuser", "-u", "postgres", "--", psql, "-h", pg.toString(), "-p", Integer.toString(port), "-c", "CREATE DATABASE app");
        run("runuser", "-u", "postgres", "--", psql, "-h", pg.toString(), "-p", Integer.toString(port), "-d", "app", "-c",
            "CREATE TABLE orders(id serial primary key, item text); INSERT INTO orders(item)"
                + " SELECT 'item ' || g FROM generate_series(1, 5000) g; CREATE INDEX ON orders(item);");
        Path dump = pg.resolve("app.pgdump");
        run("runuser", "-u", "postgres", "--", bin.resolve("pg_dump").toString(), "-h", pg.toString(), "-p",
            Integer.toString(port), "-F", "c", "-f", dump.toString(), "app");
        Path copy = Files.copy(dump, dir.resolve("app.pgdump"));
        assertDamageIsCaught("pg_dump", copy, -1);
        ProbeResult ok = judge("pg_dump", copy);
        assertTrue(ok.details().get("newest").contains("database app"), ok.details().toString());
    }

    private static void run0(String... cmd) {
        try {
            new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // best effort: the test's process list is stopped anyway
        }
    }

    @Test
    void redisSave() throws Exception {
        Tools.require("redis-server", "redis-server");
        Tools.require("redis-cli", "redis-tools");
        Path sock = dir.resolve("redis.sock");
        Process redis = start("redis-server", "--port", "0", "--unixsocket", sock.toString(), "--dir", dir.toString(),
            "--dbfilename", "dump.rdb", "--save", "");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(sock) && System.nanoTime() < end && redis.isAlive()) {
            TimeUnit.MILLISECONDS.sleep(50); // waiting for the socket redis creates once it accepts commands
        }
        for (int i = 0; i < 200; i++) {
            run("redis-cli", "-s", sock.toString(), "SET", "key:" + i, "value " + i);
        }
        run("redis-cli", "-s", sock.toString(), "SAVE");
        Path rdb = Files.copy(dir.resolve("dump.rdb"), dir.resolve("copy.rdb"));
        assertDamageIsCaught("redis_rdb", rdb, (int) Files.size(rdb) / 2);
    }

    @Test
    void etcdctlSnapshotSave() throws Exception {
        Tools.require("etcd", "etcd-server");
        Tools.require("etcdctl", "etcd-client");
        int client = AgentProcess.freePort();
        int peer = AgentProcess.freePort();
        String url = "http://127.0.0.1:" + client;
        Process etcd = start("etcd", "--name", "t", "--data-dir", dir.resolve("etcd").toString(),
            "--listen-client-urls", url, "--advertise-client-urls", url,
            "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
            "--initial-cluster", "t=http://127.0.0.1:" + peer);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        boolean up = false;
        while (!up && System.nanoTime() < end && etcd.isAlive()) {
            Process h = new ProcessBuilder("etcdctl", "--endpoints", url, "endpoint", "health").redirectErrorStream(true).start();
            up = h.waitFor(10, TimeUnit.SECONDS) && h.exitValue() == 0;
            if (!up) {
                TimeUnit.MILLISECONDS.sleep(200); // polling etcd's health until it serves
            }
        }
        assertTrue(up, "etcd did not become healthy");
        for (int i = 0; i < 50; i++) {
            run("etcdctl", "--endpoints", url, "put", "/registry/demo/" + i, "v" + i);
        }
        Path snap = dir.resolve("snap.db");
        run("etcdctl", "--endpoints", url, "snapshot", "save", snap.toString());
        assertDamageIsCaught("etcd_snapshot", snap, (int) Files.size(snap) / 2, 16);
        Path noHash = Files.write(dir.resolve("nohash.db"), Arrays.copyOf(Files.readAllBytes(snap), (int) Files.size(snap) - 32));
        assertEquals("truncated", judge("etcd_snapshot", noHash).reason(), "a snapshot without its hash is refused by restore");
    }

    @Test
    void gnuTarOfADirectory() throws Exception {
        Path data = Files.createDirectories(dir.resolve("zookeeper/version-2"));
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[20_000 + i * 1000];
            new java.util.Random(i).nextBytes(b);
            Files.write(data.resolve("log." + Integer.toHexString(0x1a0 + i)), b);
        }
        Path tgz = dir.resolve("zk.tar.gz");
        run("tar", "-czf", tgz.toString(), "-C", dir.toString(), "zookeeper");
        assertDamageIsCaught("tar.gz", tgz, (int) Files.size(tgz) / 2);
        Path tar = dir.resolve("zk.tar");
        run("tar", "-cf", tar.toString(), "-C", dir.toString(), "zookeeper");
        assertEquals("ok", judge("tar", tar).reason());
        byte[] b = Files.readAllBytes(tar);
        assertEquals("truncated", judge("tar", Files.write(dir.resolve("cut.tar"), Arrays.copyOf(b, b.length / 2))).reason());
    }

    @Test
    void rsyncLinkDestSnapshots() throws Exception {
        Tools.require("rsync", "rsync");
        Path src = Files.createDirectories(dir.resolve("src/data"));
        for (int i = 0; i < 10; i++) {
            Files.writeString(src.resolve("file" + i), "content " + i);
        }
        Path snaps = Files.createDirectories(dir.resolve("snapshots"));
        run("rsync", "-a", dir.resolve("src") + "/", snaps.resolve("2026-11-22T000000Z") + "/");
        Files.writeString(src.resolve("file0"), "changed");
        run("rsync", "-a", "--delete", "--link-dest=../2026-11-22T000000Z", dir.resolve("src") + "/",
            snaps.resolve("2026-11-23T000000Z") + "/");
        try (var walk = Files.walk(snaps)) {
            for (Path p : walk.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2026-11-23T01:00:00Z")));
            }
        }
        String yaml = "backups:\n  sets:\n    - {name: t, kind: rsync_tree, path: \"" + snaps + "\", every: 24h}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        ProbeResult r = new BackupKind(Clock.fixed(Instant.parse("2026-11-23T04:00:00Z"), ZoneOffset.UTC))
            .create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(30)));
        assertTrue(r.success(), r.message());
        var v = BackupProbeTest.values(r);
        assertEquals(10.0, v.get("vigil_backup_files"));
        assertEquals(0.9, v.get("vigil_backup_hardlink_ratio"), 1e-9, "9 of 10 files unchanged");
        assertEquals(Instant.parse("2026-11-23T00:00:00Z").getEpochSecond(), v.get("vigil_backup_last_timestamp_seconds"));
    }
}
