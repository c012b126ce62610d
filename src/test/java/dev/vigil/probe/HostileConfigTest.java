package dev.vigil.probe;

import dev.vigil.config.ConfigError;
import dev.vigil.config.ConfigException;
import dev.vigil.config.HostPaths;
import dev.vigil.config.UrlCredentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ProbeKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Values a careless operator or an attacker writes into the configuration, each refused with a position. */
class HostileConfigTest {
    private final ConfigLoader loader = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST);

    private String errors(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse("t.yml", yaml));
        return e.errors().stream().map(ConfigError::toString).collect(Collectors.joining("\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "interval: 200000d | t.yml:1:22: defaults.interval: duration \"200000d\" is too large (at most 100y)",
        "interval: 999999999999999999999d | t.yml:1:22: defaults.interval: duration \"999999999999999999999d\" is too large",
        "interval: 8d | t.yml:1:22: defaults.interval: must be between 100ms and 7d, got 8d",
        "interval: 1ms | t.yml:1:22: defaults.interval: must be between 100ms and 7d, got 1ms",
        "timeout: 1ms | t.yml:1:21: defaults.timeout: must be between 10ms and 7d, got 1ms",
        "jitter: 8d | t.yml:1:20: defaults.jitter: must be between 0s and 7d, got 8d",
    })
    void everyDurationHasBounds(String setting, String expected) {
        String e = errors("defaults: {" + setting + "}\n");
        assertEquals(expected, e);
        assertFalse(e.contains("For input string"));
    }

    @Test
    void sizesAndKindDurationsHaveBoundsToo() {
        String e = errors("""
            cadvisor:
              targets:
                - {target: "http://127.0.0.1:8080", max_response_size: 2PiB, stale_after: 1ms, max_containers: 100000}
            """);
        assertTrue(e.contains("cadvisor.targets[0].max_response_size: must be between 1KiB and 1GiB, got 2PiB"), e);
        assertTrue(e.contains("cadvisor.targets[0].stale_after: must be between 1s and 36500d, got 1ms"), e);
        assertTrue(e.contains("cadvisor.targets[0].max_containers: must be between 1 and 2000, got 100000"), e);
    }

    @Test
    void aUrlWithUserInfoIsRefusedInEveryKindWithoutEchoingThePassword() {
        String e = errors("""
            cadvisor:
              targets:
                - {target: "http://admin:PLANTED-PW-1@127.0.0.1:8080"}
            etcd:
              clusters:
                - {name: e, mode: cluster, endpoints: ["https://root:PLANTED-PW-2@127.0.0.1:2379"]}
            backups:
              sets:
                - {name: ch, kind: clickhouse_backup, url: "http://u:PLANTED-PW-3@127.0.0.1:7171", every: 24h}
            """);
        assertFalse(e.contains("PLANTED"), e);
        assertTrue(e.contains("t.yml:3:16: cadvisor.targets[0].target: a URL with user info (user:password@) is refused"), e);
        assertTrue(e.contains("t.yml:6:44: etcd.clusters[0].endpoints[0]: a URL with user info"), e);
        assertTrue(e.contains("t.yml:9:48: backups.sets[0].url: a URL with user info"), e);
    }

    @Test
    void messagesThatQuoteAValueNeverCarryUserInfo() {
        assertEquals("\"http://<redacted>@h:1/x\" is bad", UrlCredentials.redact("\"http://a:b@h:1/x\" is bad"));
        assertEquals("no url here", UrlCredentials.redact("no url here"));
    }

    @Test
    void aConfigurationFileThatIsNotARegularFileIsRefusedWithoutOpeningIt(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo.yml");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(fifo));
        assertTrue(e.errors().get(0).message().contains("not a regular file"), e.errors().toString());
    }

    @Test
    void aConfigurationFileOverTheSizeLimitIsRefusedWithoutReadingItAll(@TempDir Path dir) throws Exception {
        Path big = Files.writeString(dir.resolve("big.yml"), "defaults: {interval: 30s}\n#" + "x".repeat(2 << 20) + "\n");
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(big));
        assertEquals(List.of("file is larger than 1MiB, the limit of a configuration file"),
            e.errors().stream().map(ConfigError::message).toList());
    }
}
