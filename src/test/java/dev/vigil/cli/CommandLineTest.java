package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void flagsInBothForms() throws Exception {
        CommandLine cl = CommandLine.parse(new String[] {"--config.file=/etc/vigil/vigil.yml", "--web.listen-address",
            "127.0.0.1:9000", "--log.level=debug"});
        assertEquals(CommandLine.RUN, cl.command());
        assertEquals("/etc/vigil/vigil.yml", cl.flag("config.file", ""));
        assertEquals("127.0.0.1:9000", cl.flag("web.listen-address", ""));
        assertEquals("debug", cl.flag("log.level", ""));
    }

    @Test
    void probeTakesKindTargetAndKindOptions() throws Exception {
        CommandLine cl = CommandLine.parse(new String[] {"probe", "tls", "db:5432", "--starttls", "postgres",
            "--server-name=db.internal", "--output", "json"});
        assertEquals(CommandLine.PROBE, cl.command());
        assertEquals(List.of("tls", "db:5432"), cl.arguments());
        assertEquals(Map.of("starttls", "postgres", "server_name", "db.internal"), cl.options());
        assertEquals("json", cl.flag("output", "text"));
    }

    @Test
    void mistakesAreUsageErrors() {
        assertEquals("unknown flag --config (see --help)", message("--config", "x"));
        assertEquals("unknown command \"chek-config\" (commands: check-config, probe; see --help)", message("chek-config", "x"));
        assertEquals("check-config takes one FILE, got 0 arguments", message("check-config"));
        assertEquals("flag --config.file needs a value", message("--config.file"));
        assertEquals("--log.level must be one of debug, info, warn, error; got \"loud\"", message("--log.level=loud"));
        assertEquals("--web.listen-address has no numeric port: \":http\"", message("--web.listen-address=:http"));
        assertEquals("--output must be text or json, got \"yaml\"", message("probe", "tcp", "a:1", "--output", "yaml"));
        assertEquals("unknown flag -v (flags start with --; see --help)", message("-v"));
    }

    @Test
    void listenAddresses() throws Exception {
        assertEquals(new ListenAddress("", 9847), ListenAddress.parse(":9847"));
        assertEquals(new ListenAddress("::1", 9847), ListenAddress.parse("[::1]:9847"));
        assertEquals(new ListenAddress("0.0.0.0", 80), ListenAddress.parse("0.0.0.0:80"));
    }

    private static String message(String... args) {
        return assertThrows(CommandLine.UsageException.class, () -> CommandLine.parse(args)).getMessage();
    }
}
