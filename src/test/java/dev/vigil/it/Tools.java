package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
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
