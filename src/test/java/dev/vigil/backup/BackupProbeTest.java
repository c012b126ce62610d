package dev.vigil.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Golden;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import dev.vigil.probe.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup sets judged on real backups in a temporary directory, with a clock the test moves. */
class BackupProbeTest {
    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private Probe probe(String set) throws Exception {
        String yaml = "backups:\n  sets:\n    - " + set.strip().replace("\n", "\n      ") + "\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        return new BackupKind(clock).create(t, HostPaths.HOST);
    }

    private Path put(String fixture, String name, Instant mtime) throws Exception {
        Path target = dir.resolve(name);
        Files.createDirectories(target.getParent());
        Files.copy(FormatCheckTest.fixture(fixture), target, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(target, FileTime.from(mtime));
        return target;
    }

    private static ProbeResult run(Probe p) throws Exception {
        return p.run(Deadline.after(Duration.ofSeconds(10)));
    }

    static Map<String, Double> values(ProbeResult r) {
        return r.samples().stream().collect(Collectors.toMap(
            s -> s.family().name() + (s.labelValues().size() > 1 && s.family().name().endsWith("_ok")
                ? "{" + s.labelValues().get(1) + "}" : ""), Sample::value, (a, b) -> a));
    }

    @Test
    void freshValidDumpIsOkAndOverdueWhenTheNextOneDoesNotCome() throws Exception {
        put("app.pgdump", "pg/app-1.pgdump", Instant.parse("2026-11-22T03:00:10Z"));
        put("app.pgdump", "pg/app-2.pgdump", Instant.parse("2026-11-23T03:00:12Z"));
        Probe p = probe("name: app\nkind: pg_dump\npath: " + dir + "/pg/app-*.pgdump\nevery: 24h\ngrace: 1h\nkeep: 7");
        ProbeResult r = run(p);
        assertTrue(r.success(), r.message());
        Map<String, Double> v = values(r);
        assertEquals(Instant.parse("2026-11-23T03:00:12Z").getEpochSecond(), v.get("vigil_backup_last_timestamp_seconds"));
        assertEquals(0.0, v.get("vigil_backup_overdue_seconds"));
        assertEquals(2.0, v.get("vigil_backup_copies"));
        assertEquals(7.0, v.get("vigil_backup_keep"));
        assertEquals(86400.0, v.get("vigil_backup_expected_interval_seconds"));
        assertEquals(1.0, v.get("vigil_backup_integrity_ok{ok}"));
        assertEquals(1.0, v.get("vigil_backup_size_change_ratio"));

        clock.set(Instant.parse("2026-11-24T04:00:12Z")); // 24h + 1h grace after the newest: due exactly now
        assertEquals(0.0, values(run(p)).get("vigil_backup_overdue_seconds"));
        clock.set(Instant.parse("2026-11-24T04:30:12Z"));
        r = run(p);
        assertEquals("overdue", r.reason());
        assertEquals(1800.0, values(r).get("vigil_backup_overdue_seconds"));
    }

    /** k3s after --etcd-snapshot-compress was turned on: a .zip follows plain snapshots twenty times its size. */
    @Test
    void sizesCompareOnlyBetweenBackupsStoredAlike() throws Exception {
        put("etcd-snapshot.db", "snap/etcd-snapshot-s1-1763856000", Instant.parse("2026-11-23T00:00:05Z"));
        Path plain = dir.resolve("snap/etcd-snapshot-s1-1763856000");
        Path zip = dir.resolve("snap/etcd-snapshot-s1-1763899200.zip");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            z.putNextEntry(new java.util.zip.ZipEntry("etcd-snapshot-s1-1763899200"));
            z.write(Files.readAllBytes(plain));
            z.closeEntry();
        }
        Files.setLastModifiedTime(zip, FileTime.from(Instant.parse("2026-11-23T12:00:05Z")));
        clock.set(Instant.parse("2026-11-23T13:00:00Z"));
        Probe p = probe("name: k3s\nkind: etcd_snapshot\npath: " + dir + "/snap/*\ncron: \"0 */12 * * *\"\ngrace: 1h");
        ProbeResult r = run(p);
        assertTrue(r.success(), r.reason() + " " + r.message());
        assertTrue(Files.size(zip) * 5 < Files.size(plain), "the zip is much smaller than the plain snapshot");
        assertEquals(null, values(r).get("vigil_backup_size_change_ratio"), "a .zip is not compared with a plain file");

        Path second = dir.resolve("snap/etcd-snapshot-s1-1763942400.zip");
        Files.copy(zip, second);
        Files.setLastModifiedTime(second, FileTime.from(Instant.parse("2026-11-24T00:00:05Z")));
        clock.set(Instant.parse("2026-11-24T01:00:00Z"));
        assertEquals(1.0, values(run(p)).get("vigil_backup_size_change_ratio"), "two zips compare");
        assertEquals("zip", BackupProbe.compression(zip));
        assertEquals("", BackupProbe.compression(plain));
    }

    @Test
    void cronScheduleIsOverdueOnlyAfterTheMissedRunAndItsGrace() throws Exception {
        put("dump.rdb", "redis/dump.rdb", Instant.parse("2026-11-22T03:00:30Z"));
        Probe p = probe("name: redis\nkind: redis_rdb\npath: " + dir + "/redis/dump.rdb\ncron: \"0 3 * * *\"\n"
            + "grace: 30m\ntimezone: UTC");
        clock.set(Instant.parse("2026-11-23T03:20:00Z")); // today's 03:00 run may still be in its grace
        ProbeResult r = run(p);
        assertTrue(r.success(), r.message());
        assertEquals(86400.0, values(r).get("vigil_backup_expected_interval_seconds"));
        clock.set(Instant.parse("2026-11-23T03:45:00Z"));
        r = run(p);
        assertEquals("overdue", r.reason());
        assertEquals(900.0, values(r).get("vigil_backup_overdue_seconds"));
    }

    @Test
    void aSetThatNeverHadABackupIsOverdueNotAbsentAndTheSameAfterARestart() throws Exception {
        String set = "name: etcd\nkind: etcd_snapshot\npath: " + dir + "/snapshots/*\ncron: \"0 */12 * * *\"\ntimezone: UTC";
        clock.set(Instant.parse("2026-11-23T11:00:00Z"));
        ProbeResult r = run(probe(set));
        assertEquals("no_backup", r.reason());
        Map<String, Double> v = values(r);
        assertEquals(0.0, v.get("vigil_backup_last_timestamp_seconds"));
        assertEquals(0.0, v.get("vigil_backup_copies"));
        assertEquals(Duration.ofHours(11).toSeconds(), v.get("vigil_backup_overdue_seconds"), "since today's 00:00 run");
        assertEquals(v, values(run(probe(set))), "a new agent (new probe) says the same");
    }

    @Test
    void aDamagedNewestBackupFailsWithItsReasonAndTheLastValidOneStillCounts() throws Exception {
        put("etcd-snapshot.db", "snap/etcd-snapshot-1.db", Instant.parse("2026-11-23T00:00:00Z"));
        put("etcd-snapshot.truncated.db", "snap/etcd-snapshot-2.db", Instant.parse("2026-11-23T06:00:00Z"));
        ProbeResult r = run(probe("name: etcd\nkind: etcd_snapshot\npath: " + dir + "/snap/*.db\nevery: 12h"));
        assertEquals("truncated", r.reason());
        Map<String, Double> v = values(r);
        assertEquals(0.0, v.get("vigil_backup_integrity_ok{truncated}"));
        assertEquals(Instant.parse("2026-11-23T00:00:00Z").getEpochSecond(), v.get("vigil_backup_last_timestamp_seconds"));
        assertTrue(v.get("vigil_backup_size_change_ratio") < 1);
    }

    @Test
    void emptyAndTooSmallFiles() throws Exception {
        put("empty.pgdump", "pg/empty.pgdump", Instant.parse("2026-11-23T03:00:00Z"));
        ProbeResult r = run(probe("name: app\nkind: pg_dump\npath: " + dir + "/pg/*.pgdump\nevery: 24h"));
        assertEquals("empty", r.reason());
        put("app.pgdump", "pg/app.pgdump", Instant.parse("2026-11-23T04:00:00Z"));
        r = run(probe("name: app\nkind: pg_dump\npath: " + dir + "/pg/app.pgdump\nevery: 24h\nmin_size: 1MiB"));
        assertEquals("too_small", r.reason());
    }

    @Test
    void aFileStillBeingWrittenIsInProgressNotJudged() throws Exception {
        put("app.pgdump", "pg/app-1.pgdump", Instant.parse("2026-11-23T03:00:00Z"));
        Path growing = dir.resolve("pg/app-2.pgdump");
        Files.write(growing, java.util.Arrays.copyOf(Files.readAllBytes(FormatCheckTest.fixture("app.pgdump")), 1000));
        Files.setLastModifiedTime(growing, FileTime.from(clock.instant().minusSeconds(5)));
        ProbeResult r = run(probe("name: app\nkind: pg_dump\npath: " + dir + "/pg/*.pgdump\nevery: 24h"));
        assertTrue(r.success(), r.message());
        Map<String, Double> v = values(r);
        assertEquals(1.0, v.get("vigil_backup_in_progress"));
        assertEquals(1.0, v.get("vigil_backup_copies"), "the file being written is not counted yet");
        assertEquals(1.0, v.get("vigil_backup_integrity_ok{ok}"));
    }

    @Test
    void rsyncTreeNewestCompleteSnapshotAndHardLinks() throws Exception {
        Path tree = extract("lab-set/rsync/rsync-snapshots.tar");
        ProbeResult r = run(probe("name: rsync\nkind: rsync_tree\npath: " + tree.resolve("snapshots") + "\nevery: 24h\n"
            + "grace: 12h"));
        assertTrue(r.success(), r.message() + r.details());
        Map<String, Double> v = values(r);
        assertEquals(Instant.parse("2026-11-22T00:00:00Z").getEpochSecond(), v.get("vigil_backup_last_timestamp_seconds"));
        assertEquals(3.0, v.get("vigil_backup_copies"));
        assertEquals(5.0, v.get("vigil_backup_files"));
        assertEquals(0.8, v.get("vigil_backup_hardlink_ratio"), 1e-9, "4 of 5 files unchanged: hard links");
    }

    @Test
    void anInterruptedRsyncIsTruncatedAndTheDayBeforeIsTheNewestValid() throws Exception {
        Path tree = extract("lab-set/bad/rsync-interrupted.tar");
        ProbeResult r = run(probe("name: rsync\nkind: rsync_tree\npath: " + tree.resolve("rsync-interrupted/snapshots")
            + "\nevery: 24h"));
        assertEquals("truncated", r.reason(), r.message());
        assertEquals(Instant.parse("2026-11-21T00:00:00Z").getEpochSecond(),
            values(r).get("vigil_backup_last_timestamp_seconds"));
    }

    private Path extract(String tar) throws Exception {
        Path out = Files.createDirectories(dir.resolve("x"));
        Process p = new ProcessBuilder("tar", "-xf", FormatCheckTest.fixture(tar).toString(), "-C", out.toString())
            .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), new String(p.getInputStream().readAllBytes()));
        // the extraction gives every directory "now" as mtime: make them old so none is "in progress"
        try (var walk = Files.walk(out)) {
            for (Path x : walk.toList()) {
                if (!Files.isSymbolicLink(x)) {
                    Files.setLastModifiedTime(x, FileTime.from(Instant.parse("2026-11-22T01:00:00Z")));
                }
            }
        }
        return out;
    }

    @Test
    void configErrors() {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () ->
            new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", """
                backups:
                  sets:
                    - {name: a, kind: pgdump, path: /x, every: 24h}
                    - {name: b, kind: tar, path: /x}
                    - {name: c, kind: tar, path: /x, cron: "61 3 * * *"}
                    - {name: d, kind: tar, path: /x, every: 1d, cron: "@daily"}
                """));
        assertEquals(List.of(
            "b.yml:3:23: backups.sets[0].kind: \"pgdump\" is not one of pg_dump, redis_rdb, etcd_snapshot, tar, tar.gz,"
                + " rsync_tree, clickhouse_backup, file (did you mean \"pg_dump\"?)",
            "b.yml:4:7: backups.sets[1]: missing the schedule: every (e.g. 24h) or cron (e.g. \"0 3 * * *\")",
            "b.yml:5:44: backups.sets[2].cron: minute 61 is out of range 0-59",
            "b.yml:6:55: backups.sets[3].cron: set either every or cron, not both"),
            e.errors().stream().map(Object::toString).toList());
        assertFalse(e.errors().isEmpty());
    }

    @Test
    void aDoubleStarGlobMatchesFilesDirectlyInItsDirectoryLikeEveryKindsGlob() throws Exception {
        put("app.pgdump", "flat/app-1.pgdump", Instant.parse("2026-11-23T03:00:00Z"));
        ProbeResult r = run(probe("name: flat\nkind: pg_dump\npath: " + dir + "/flat/**/*.pgdump\nevery: 24h"));
        assertTrue(r.success(), r.message());
        assertEquals(1.0, values(r).get("vigil_backup_copies"));
    }

    @Test
    void theNewestBackupIsFoundAmongMoreCandidatesThanAreKept() throws Exception {
        Path many = Files.createDirectories(dir.resolve("many"));
        Instant old = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 10_050; i++) {
            Path f = Files.writeString(many.resolve(String.format("b-%05d.bak", i)), "x");
            Files.setLastModifiedTime(f, FileTime.from(old.plusSeconds(i)));
        }
        // the newest is neither first nor last by name, and the directory order is the file system's
        Instant newest = Instant.parse("2026-11-23T03:00:00Z");
        Files.setLastModifiedTime(many.resolve("b-05000.bak"), FileTime.from(newest));
        ProbeResult r = run(probe("name: many\nkind: file\npath: " + dir + "/many/*.bak\nevery: 24h"));
        assertTrue(r.success(), r.reason() + ": " + r.message());
        assertEquals(newest.getEpochSecond(), values(r).get("vigil_backup_last_timestamp_seconds"));
    }

    @Test
    void aBackupFromTheFutureIsAClockProblemNotAWriteInProgress() throws Exception {
        put("app.pgdump", "future/app-1.pgdump", Instant.parse("2027-11-23T03:00:00Z"));
        ProbeResult r = run(probe("name: future\nkind: pg_dump\npath: " + dir + "/future/*.pgdump\nevery: 24h"));
        assertEquals("clock_skew", r.reason(), r.message());
        assertEquals(0.0, values(r).get("vigil_backup_in_progress"));
    }

    /** A fresh dump, a damaged snapshot after a valid one, an rsync tree: golden/backup.prom. */
    @Test
    void goldenExposition() throws Exception {
        put("app.pgdump", "pg/app-1.pgdump", Instant.parse("2026-11-22T03:00:10Z"));
        put("app.pgdump", "pg/app-2.pgdump", Instant.parse("2026-11-23T03:00:12Z"));
        put("etcd-snapshot.db", "snap/etcd-snapshot-1.db", Instant.parse("2026-11-23T00:00:00Z"));
        put("etcd-snapshot.truncated.db", "snap/etcd-snapshot-2.db", Instant.parse("2026-11-23T06:00:00Z"));
        Path tree = extract("lab-set/rsync/rsync-snapshots.tar");
        Map<String, ProbeResult> results = new java.util.LinkedHashMap<>();
        results.put("app", run(probe("name: app\nkind: pg_dump\npath: " + dir + "/pg/app-*.pgdump\nevery: 24h\nkeep: 7")));
        results.put("etcd", run(probe("name: etcd\nkind: etcd_snapshot\npath: " + dir + "/snap/*.db\nevery: 12h")));
        results.put("rsync", run(probe("name: rsync\nkind: rsync_tree\npath: " + tree.resolve("snapshots")
            + "\nevery: 24h\ngrace: 12h")));
        Golden golden = Golden.of(new BackupKind()).replace(dir.toString(), "<dir>");
        golden.check(golden.render(results));
    }
}
