package dev.vigil.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
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

    /** What the embedded default probes on each role of node, told apart only by what is on disk. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "plain machine | | ",
        "k3s agent (worker) | var/lib/rancher/k3s/agent/ | tcp/kubelet",
        "k3s server | var/lib/rancher/k3s/agent/,var/lib/rancher/k3s/server/tls/server-ca.crt,var/lib/rancher/k3s/server/db/etcd/"
            + " | tcp/kubelet,tls/kube-apiserver,"
            + "backup/k3s-etcd-snapshots,etcd/k3s",
        "k3s server with keepalived | var/lib/rancher/k3s/agent/,var/lib/rancher/k3s/server/tls/server-ca.crt,"
            + "var/lib/rancher/k3s/server/db/etcd/,etc/keepalived/keepalived.conf"
            + " | tcp/kubelet,tls/kube-apiserver,"
            + "backup/k3s-etcd-snapshots,keepalived/keepalived,vip/10.0.0.100,etcd/k3s",
        "kubeadm control plane | etc/kubernetes/manifests/kube-apiserver.yaml,etc/kubernetes/manifests/etcd.yaml,"
            + "etc/kubernetes/pki/ca.crt,var/lib/kubelet/config.yaml"
            + " | tcp/kubelet,tls/kube-apiserver-kubeadm",
    })
    void theDefaultProbesWhatEachRoleOfNodeHasAndNothingElse(String role, String files, String expected,
                                                             @TempDir Path root) throws Exception {
        for (String f : files == null ? new String[0] : files.split(",")) {
            Path p = root.resolve(f.trim());
            if (f.endsWith("/")) {
                java.nio.file.Files.createDirectories(p);
            } else {
                java.nio.file.Files.createDirectories(p.getParent());
                java.nio.file.Files.writeString(p, f.endsWith("keepalived.conf")
                    ? "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n"
                        + "  virtual_ipaddress {\n    10.0.0.100/24\n  }\n}\n"
                    : "x\n");
            }
        }
        HostPaths host = HostPaths.of(root.toString());
        List<Target> targets = new ConfigLoader(ProbeKinds.builtIn(), host)
            .parse(ConfigLoader.EMBEDDED_NAME, ConfigLoader.embeddedText()).targets();
        List<String> present = targets.stream()
            .filter(t -> !t.kind().equals("certfile")) // allow_missing: present everywhere, 0 files where there are none
            .filter(t -> t.timing().whenPresent().isEmpty() || dev.vigil.probe.Presence.anyExists(host, t.timing().whenPresent()))
            .map(t -> t.kind() + "/" + t.name()).toList();
        assertEquals(expected == null ? List.of() : List.of(expected.split(",")), present, role);
        assertTrue(targets.stream().filter(t -> !t.kind().equals("certfile")).allMatch(t -> !t.timing().whenPresent().isEmpty()),
            "every component of the default is conditional on its presence");
    }
}
