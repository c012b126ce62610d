package dev.vigil.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command line tool (openssl, keytool) to completion; fails the test with its output when it fails. */
final class Commands {
    private Commands() {
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(List.of(command) + " did not finish");
            }
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0) {
            throw new IOException(List.of(command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    /** Runs a command and returns its output whatever its exit status (for commands that signal results by it). */
    static String runAllowingFailure(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(List.of(command) + " did not finish");
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
