package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jar is Java 17 bytecode and must run on every newer LTS runtime too: run a probe with every JDK installed under
 * /usr/lib/jvm (17 and 25 on the build machine).
 */
class JdkCompatibilityIT {
    @Test
    void runsOnEveryInstalledJdk() throws Exception {
        List<Path> javas = new ArrayList<>();
        Path jvmDir = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvmDir)) {
            try (Stream<Path> dirs = Files.list(jvmDir)) {
                dirs.map(d -> d.resolve("bin/java")).filter(Files::isExecutable)
                    .filter(j -> !Files.isSymbolicLink(j.getParent().getParent())).forEach(javas::add);
            }
        }
        javas.add(Path.of(AgentProcess.javaBinary()));
        try (ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (Path java : javas) {
                Process p = new ProcessBuilder(java.toString(), "-jar", AgentProcess.jar().toString(), "probe", "tcp",
                    "127.0.0.1:" + listening.getLocalPort()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), java + " did not finish");
                assertEquals(0, p.exitValue(), java + ": " + out);
                assertTrue(out.contains(": OK in "), java + ": " + out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(javas.size() >= 1);
    }
}
