package dev.vigil.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Debian package the build makes, installed for real with dpkg on this machine: launcher, conffile, system user,
 * unit (systemd-analyze verify and its security exposure), the agent running as that user, then removal and purge.
 * Needs root and dpkg (CI has both).
 */
class DebianPackageIT {
    record Result(int code, String out) {
    }

    private static Result run(String... cmd) throws Exception {
        Tools.Exec e = Tools.exec(Duration.ofMinutes(2), cmd);
        return new Result(e.code(), e.output());
    }

    private static String ok(String... cmd) throws Exception {
        Result r = run(cmd);
        assertEquals(0, r.code(), String.join(" ", cmd) + ": " + r.out());
        return r.out();
    }

    @Test
    void installsRunsAndRemovesCleanly() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "dpkg -i needs root (CI runs as root)");
        Tools.require("dpkg", "dpkg");
        Path deb;
        try (Stream<Path> files = Files.list(AgentProcess.jar().getParent())) {
            deb = files.filter(f -> f.getFileName().toString().matches("vigil_.*_all\\.deb")).findFirst().orElseThrow();
        }
        Assumptions.assumeFalse(run("dpkg", "-s", "vigil").code() == 0,
            "a vigil package is already installed on this machine: not touching it");
        Assumptions.assumeFalse(Files.exists(Path.of("/etc/vigil")),
            "/etc/vigil exists without the package (a manual installation?): not touching it");
        try {
            // a leftover /etc/vigil from an earlier install must not turn into a conffile prompt
            ok("dpkg", "--force-confdef", "--force-confnew", "-i", deb.toString());
            assertTrue(ok("/usr/bin/vigil", "--version").startsWith("vigil "));
            assertTrue(ok("/usr/bin/vigil", "check-config", "/etc/vigil/vigil.yml").contains("OK"));
            assertEquals(0, run("getent", "passwd", "vigil").code(), "system user created");
            assertTrue(Files.readString(Path.of("/var/lib/dpkg/info/vigil.conffiles")).contains("/etc/vigil/vigil.yml"));
            if (Tools.find("systemd-analyze").isPresent()) {
                ok("systemd-analyze", "verify", "/lib/systemd/system/vigil.service");
                String security = ok("systemd-analyze", "security", "--offline=true", "/lib/systemd/system/vigil.service");
                Matcher m = Pattern.compile("Overall exposure level for vigil.service: ([0-9.]+)").matcher(security);
                assertTrue(m.find(), security);
                double exposure = Double.parseDouble(m.group(1));
                assertTrue(exposure <= 2.0, "systemd exposure " + exposure + " (README states 1.7)");
            }
            // the installed agent, as its unprivileged user, serves the installed configuration
            int port = AgentProcess.freePort();
            Process agent = new ProcessBuilder("runuser", "-u", "vigil", "--", "/usr/bin/vigil",
                "--config.file=/etc/vigil/vigil.yml", "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                String body = "";
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!body.contains("vigil_build_info") && System.nanoTime() < end && agent.isAlive()) {
                    try {
                        body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
                    } catch (java.io.IOException notYet) {
                        TimeUnit.MILLISECONDS.sleep(200); // polling until the agent listens
                    }
                }
                assertTrue(body.contains("vigil_config_last_reload_successful 1.0"), "agent as user vigil: " + body);
            } finally {
                agent.destroy();
                agent.waitFor(20, TimeUnit.SECONDS);
            }
            ok("dpkg", "-r", "vigil");
            assertFalse(Files.exists(Path.of("/usr/share/vigil/vigil.jar")));
            assertFalse(Files.exists(Path.of("/usr/bin/vigil")));
            assertTrue(Files.exists(Path.of("/etc/vigil/vigil.yml")), "remove keeps the conffile");
            ok("dpkg", "-P", "vigil");
            assertFalse(Files.exists(Path.of("/etc/vigil")), "purge removes the configuration");
            assertTrue(run("getent", "passwd", "vigil").code() != 0, "purge removes the user");
        } finally {
            run("dpkg", "-P", "vigil");
        }
    }
}
