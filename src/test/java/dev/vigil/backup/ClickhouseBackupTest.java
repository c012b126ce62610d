package dev.vigil.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockserver.model.HttpRequest.request;
import static org.mockserver.model.HttpResponse.response;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockserver.integration.ClientAndServer;

/**
 * clickhouse-backup's REST list, served by MockServer in the shape of its /backup/list handler (one JSON object per
 * line; no clickhouse-backup package exists to run here).
 */
class ClickhouseBackupTest {
    private static ClientAndServer mock;

    @BeforeAll
    static void start() {
        mock = ClientAndServer.startClientAndServer(0);
    }

    @AfterAll
    static void stop() {
        mock.stop();
    }

    @BeforeEach
    void reset() {
        mock.reset();
    }

    private ProbeResult run(String extra, Instant now) throws Exception {
        String yaml = "backups:\n  sets:\n    - {name: ch, kind: clickhouse_backup, url: \"http://127.0.0.1:" + mock.getPort()
            + "\", every: 24h, grace: 2h" + extra + "}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        return new BackupKind(Clock.fixed(now, ZoneOffset.UTC)).create(t, HostPaths.HOST)
            .run(Deadline.after(Duration.ofSeconds(5)));
    }

    private static void serve(String body) {
        mock.when(request().withPath("/backup/list")).respond(response().withStatusCode(200).withBody(body));
    }

    private static final String LIST = """
        {"name":"shard1-2026-11-21","created":"2026-11-21 02:00:04","size":734003200,"location":"remote","required":"","desc":"tar, regular"}
        {"name":"shard1-2026-11-22","created":"2026-11-22 02:00:03","size":744488960,"location":"remote","required":"","desc":"tar, regular"}
        {"name":"shard1-2026-11-22","created":"2026-11-22 02:00:03","size":1488977920,"location":"local","required":"","desc":"regular"}
        {"name":"shard1-2026-11-23","created":"2026-11-23 02:00:02","size":0,"location":"local","required":"","desc":"broken: metadata.json is empty"}
        """;

    @Test
    void newestRemoteBackupIsJudged() throws Exception {
        serve(LIST);
        ProbeResult r = run(", location: remote", Instant.parse("2026-11-23T01:00:00Z"));
        assertTrue(r.success(), r.message());
        Map<String, Double> v = BackupProbeTest.values(r);
        assertEquals(Instant.parse("2026-11-22T02:00:03Z").getEpochSecond(), v.get("vigil_backup_last_timestamp_seconds"));
        assertEquals(2.0, v.get("vigil_backup_copies"));
        assertEquals(744488960.0 / 734003200.0, v.get("vigil_backup_size_change_ratio"), 1e-9);
        assertEquals("overdue", run(", location: remote", Instant.parse("2026-11-23T05:00:04Z")).reason());
    }

    @Test
    void aBrokenNewestLocalBackupFails() throws Exception {
        serve(LIST);
        ProbeResult r = run(", location: local", Instant.parse("2026-11-23T03:00:00Z"));
        assertEquals("broken", r.reason());
        assertEquals(Instant.parse("2026-11-22T02:00:03Z").getEpochSecond(),
            BackupProbeTest.values(r).get("vigil_backup_last_timestamp_seconds"), "the last valid one still counts");
    }

    @Test
    void apiProblems() throws Exception {
        mock.when(request().withPath("/backup/list")).respond(response().withStatusCode(500).withBody("{\"status\":\"error\"}"));
        assertEquals("http_status", run("", Instant.now()).reason());
        mock.reset();
        serve("<html>nope</html>");
        assertEquals("bad_response", run("", Instant.now()).reason());
        mock.reset();
        serve("");
        ProbeResult r = run("", Instant.now());
        assertEquals("no_backup", r.reason(), "an API with no backup at all: overdue, not absent");
        assertTrue(BackupProbeTest.values(r).get("vigil_backup_overdue_seconds") > 0);
        assertEquals("connect_refused", runAgainst("http://127.0.0.1:1").reason());
    }

    @Test
    void ipFamilyChoosesTheApiAddressAndIsRefusedForFileBackups() throws Exception {
        serve(LIST);
        String url = "http://localhost:" + mock.getPort();
        // MockServer listens on every address: ip4 reaches it through localhost's IPv4 address
        String yaml = "backups:\n  sets:\n    - {name: ch, kind: clickhouse_backup, url: \"" + url
            + "\", every: 24h, ip_family: ip4}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        assertEquals(dev.vigil.net.IpFamily.IP4, t.spec(BackupKind.Spec.class).ipFamily());
        ProbeResult r = new BackupKind(Clock.fixed(Instant.parse("2026-11-21T03:00:00Z"), ZoneOffset.UTC))
            .create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(5)));
        assertFalse(r.reason().startsWith("connect_") || r.reason().equals("dns"), r.reason() + ": " + r.message());
        dev.vigil.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
            dev.vigil.config.ConfigException.class, () -> new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse(
                "b.yml", "backups:\n  sets:\n    - {name: db, kind: pg_dump, path: /srv/x.dump, every: 24h, ip_family: ip6}\n"));
        assertTrue(e.getMessage().contains("ip_family: applies to the url of kind clickhouse_backup only"), e.getMessage());
    }

    /** A local backup directory as clickhouse-backup writes it: one directory per backup, its metadata.json inside. */
    @Test
    void localBackupDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path b1 = java.nio.file.Files.createDirectories(dir.resolve("shard1-2026-11-22"));
        java.nio.file.Files.writeString(b1.resolve("metadata.json"), """
            {
            	"backup_name": "shard1-2026-11-22",
            	"disks": {"default": "/var/lib/clickhouse"},
            	"version": "2.6.5",
            	"creation_date": "2026-11-22T02:00:03.812Z",
            	"data_size": 744488960,
            	"metadata_size": 12288,
            	"databases": [{"name": "shop", "engine": "Atomic"}],
            	"tables": [{"database": "shop", "table": "orders"}],
            	"functions": [],
            	"data_format": "directory"
            }
            """);
        java.nio.file.Files.createDirectories(dir.resolve("shard1-2026-11-23")); // interrupted: no metadata.json
        java.nio.file.Files.setLastModifiedTime(dir.resolve("shard1-2026-11-23"),
            java.nio.file.attribute.FileTime.from(Instant.parse("2026-11-23T02:00:00Z")));
        String yaml = "backups:\n  sets:\n    - {name: ch, kind: clickhouse_backup, path: \"" + dir + "\", every: 24h}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        ProbeResult r = new BackupKind(Clock.fixed(Instant.parse("2026-11-23T03:00:00Z"), ZoneOffset.UTC))
            .create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(5)));
        assertEquals("broken", r.reason(), r.message());
        Map<String, Double> v = BackupProbeTest.values(r);
        assertEquals(Instant.parse("2026-11-22T02:00:03.812Z").toEpochMilli() / 1000.0,
            v.get("vigil_backup_last_timestamp_seconds"), 1e-3);
        assertEquals(2.0, v.get("vigil_backup_copies"));
    }

    private ProbeResult runAgainst(String url) throws Exception {
        String yaml = "backups:\n  sets:\n    - {name: ch, kind: clickhouse_backup, url: \"" + url + "\", every: 24h}\n";
        Target t = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("b.yml", yaml).targets().get(0);
        return new BackupKind().create(t, HostPaths.HOST).run(Deadline.after(Duration.ofSeconds(5)));
    }
}
