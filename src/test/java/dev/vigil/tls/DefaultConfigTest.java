package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Target;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded default configuration on a node without Kubernetes: it loads, and its certfile globs do not fail. */
class DefaultConfigTest {
    @TempDir
    Path emptyRoot;

    @Test
    void defaultCertfilesAndTlsTargetsLoadAndTolerateAMissingPki() throws Exception {
        String yaml;
        try (InputStream in = getClass().getResourceAsStream("/vigil-default.yml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        HostPaths host = HostPaths.of(emptyRoot.toString());
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), host).parse("vigil-default.yml", yaml).targets();
        List<Target> certfiles = targets.stream().filter(t -> t.kind().equals("certfile")).toList();
        assertEquals(List.of("k3s-server-tls", "k3s-etcd-tls", "k3s-agent", "kubeadm-pki"), certfiles.stream().map(Target::name).toList());
        for (Target t : certfiles) {
            ProbeResult r = Probes.run(Probes.probe(t, host), t);
            assertTrue(r.success(), t.name() + ": " + r.reason() + " " + r.message());
            assertEquals(0, Probes.value(r, "vigil_certfile_files"));
        }
        assertTrue(targets.stream().anyMatch(t -> t.kind().equals("tls") && t.name().equals("kube-apiserver")));
    }

    @Test
    void unknownOptionsAreConfigErrors() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.vigil.config.ConfigException.class, () ->
            new ConfigLoader(ProbeKinds.builtIn(), HostPaths.HOST).parse("bad.yml",
                "tls:\n  targets:\n    - target: example.com:443\n      starttls: smpt\n      sever_name: x\n"
                    + "certfiles:\n  targets:\n    - path: /etc/x.pem\n      formt: pem\n"));
        String all = e.errors().toString();
        assertTrue(all.contains("smtp"), all);
        assertTrue(all.contains("server_name"), all);
        assertTrue(all.contains("format"), all);
    }
}
