package dev.vigil.tls;

import dev.vigil.config.HostPaths;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.probe.Golden;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import dev.vigil.tls.TestPki.Hierarchy;
import dev.vigil.tls.TestPki.Issued;
import dev.vigil.tls.TestPki.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kind certfile on certificates made by {@link TestPki}, through the real scheduler: a glob with a leaf, an expired
 * leaf, a bundle and a file that is no certificate, and a glob that matches nothing. Writes golden/certfile.prom.
 */
class CertfileExpositionTest {
    @TempDir
    Path dir;

    @Test
    void goldenExposition() throws Exception {
        Hierarchy pki = Hierarchy.create(KeyType.EC);
        Issued good = pki.leaf("good").ip("127.0.0.1").build();
        Issued old = pki.leaf("old").ip("127.0.0.1").valid(Instant.now().minus(Duration.ofDays(9)),
            Instant.now().minus(Duration.ofDays(1))).build();
        TestPki.write(dir, "a.crt", good.pem());
        TestPki.write(dir, "b.crt", old.pem());
        TestPki.write(dir, "bundle.crt", good.pem(), pki.intermediate().pem());
        Files.writeString(dir.resolve("notes.crt"), "not a certificate\n");
        String yaml = "certfiles:\n  jitter: 0s\n  targets:\n    - path: " + dir + "/*.crt\n      name: files\n"
            + "    - path: " + dir + "/nothing/*.pem\n      name: missing\n";
        try (Scheduler scheduler = new Scheduler(ProbeKinds.builtIn(), HostPaths.HOST)) {
            scheduler.apply(new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("certfile.yml", yaml));
            scheduler.await(scheduler::firstRoundDone, Duration.ofSeconds(30));
            Golden golden = Golden.of(new CertfileKind()).replace(dir.toString(), "<dir>")
                .replaceAll("(serial|fingerprint_sha256)=\"[0-9a-f]+\"", "$1=\"<hex>\"");
            golden.check(golden.render(scheduler));
        }
    }
}
