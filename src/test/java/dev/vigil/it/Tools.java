package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the integration tests start. A missing program skips the test with the Debian package to install;
 * under CI ({@code CI=true}), where {@code .ci/run} installs them all, it fails the test instead.
 */
public final class Tools {
    private Tools() {
    }

    public static String require(String program, String debianPackage) {
        Optional<String> found = find(program);
        if (found.isPresent()) {
            return found.get();
        }
        String message = program + " not found: install the Debian package " + debianPackage
            + " (apt-get install " + debianPackage + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.assumeTrue(false, message);
        return program;
    }

    /** What a command did: exit code and its output (stdout and stderr together). */
    public record Exec(int code, String output) {
    }

    /**
     * Runs a command with stdin from /dev/null (a prompt gets end-of-file, never a hang) and its output in a file, and
     * kills it when it outlives {@code timeout}: a hung tool fails its test instead of stalling the build.
     */
    public static Exec exec(java.time.Duration timeout, String... cmd) throws IOException, InterruptedException {
        java.nio.file.Path out = java.nio.file.Files.createTempFile("vigil-exec", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(new File("/dev/null")).start();
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", cmd) + " did not end within " + timeout + ": "
                    + java.nio.file.Files.readString(out));
            }
            return new Exec(p.exitValue(), java.nio.file.Files.readString(out));
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    public static Optional<String> find(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }
}
