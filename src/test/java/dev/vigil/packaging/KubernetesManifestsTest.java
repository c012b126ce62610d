package dev.vigil.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.ProbeKinds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Schema-level checks of every manifest in packaging/kubernetes (no cluster here): the fields each kind needs, the
 * references between them, and the security posture the agent promises (non-root, no privileges, read-only root
 * filesystem and host mounts, no API token).
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("packaging/kubernetes");
    private static final Map<String, Set<String>> API_VERSIONS = Map.of(
        "Namespace", Set.of("v1"), "ServiceAccount", Set.of("v1"), "ConfigMap", Set.of("v1"), "Service", Set.of("v1"),
        "DaemonSet", Set.of("apps/v1"), "ServiceMonitor", Set.of("monitoring.coreos.com/v1"),
        "PrometheusRule", Set.of("monitoring.coreos.com/v1"), "ClusterRole", Set.of("rbac.authorization.k8s.io/v1"),
        "ClusterRoleBinding", Set.of("rbac.authorization.k8s.io/v1"));
    private static final Map<String, Map<String, Object>> BY_KIND = new HashMap<>();
    private static final List<Map<String, Object>> ALL = new ArrayList<>();

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(f))) {
                    if (doc == null) {
                        continue;
                    }
                    Map<String, Object> m = (Map<String, Object>) doc;
                    m.put("__file", f.getFileName().toString());
                    ALL.add(m);
                    BY_KIND.putIfAbsent((String) m.get("kind"), m);
                }
            }
        }
        assertTrue(ALL.size() >= 6, "manifests found: " + ALL.size());
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Map<String, Object> m, String... path) {
        Object cur = m;
        for (String p : path) {
            assertTrue(cur instanceof Map, "no " + String.join(".", path) + " in " + m.get("__file"));
            cur = ((Map<String, Object>) cur).get(p);
        }
        return (T) cur;
    }

    @Test
    void everyManifestHasAKnownKindApiVersionNameAndNamespace() {
        for (Map<String, Object> m : ALL) {
            String kind = (String) m.get("kind");
            assertTrue(API_VERSIONS.containsKey(kind), "unknown kind " + kind + " in " + m.get("__file"));
            assertTrue(API_VERSIONS.get(kind).contains((String) m.get("apiVersion")), m.get("__file") + ": apiVersion");
            String name = at(m, "metadata", "name");
            assertNotNull(name, m.get("__file") + ": metadata.name");
            assertTrue(name.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?"), "not a DNS-1123 name: " + name);
            if (!kind.startsWith("Cluster") && !kind.equals("Namespace")) {
                assertEquals("vigil", at(m, "metadata", "namespace"), m.get("__file") + ": namespace");
            }
        }
        for (String kind : List.of("Namespace", "ServiceAccount", "ConfigMap", "DaemonSet", "Service", "ServiceMonitor")) {
            assertTrue(BY_KIND.containsKey(kind), "no " + kind);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void daemonSetRunsUnprivilegedOnTheHostNetworkWithReadOnlyHostMounts() {
        Map<String, Object> ds = BY_KIND.get("DaemonSet");
        Map<String, Object> selector = at(ds, "spec", "selector", "matchLabels");
        Map<String, Object> labels = at(ds, "spec", "template", "metadata", "labels");
        assertTrue(labels.entrySet().containsAll(selector.entrySet()), "selector does not match the pod labels");
        Map<String, Object> pod = at(ds, "spec", "template", "spec");
        assertEquals(true, pod.get("hostNetwork"), "VIP ownership needs the node's interfaces");
        assertEquals(false, pod.get("automountServiceAccountToken"));
        assertEquals(true, at(pod, "securityContext", "runAsNonRoot"));
        List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
        assertEquals(1, containers.size());
        Map<String, Object> c = containers.get(0);
        assertEquals(false, at(c, "securityContext", "allowPrivilegeEscalation"));
        assertEquals(true, at(c, "securityContext", "readOnlyRootFilesystem"));
        assertEquals(false, at(c, "securityContext", "privileged"));
        assertEquals(List.of("ALL"), at(c, "securityContext", "capabilities", "drop"));
        List<String> args = (List<String>) c.get("args");
        assertTrue(args.contains("--path.rootfs=/host"));
        assertTrue(args.contains("--config.file=/etc/vigil/vigil.yml"));
        assertEquals("/healthz", at(c, "livenessProbe", "httpGet", "path"));
        assertEquals("/ready", at(c, "readinessProbe", "httpGet", "path"));
        assertNotNull(at(c, "resources", "limits", "memory"));
        Map<String, Map<String, Object>> volumes = new HashMap<>();
        for (Map<String, Object> v : (List<Map<String, Object>>) pod.get("volumes")) {
            volumes.put((String) v.get("name"), v);
        }
        for (Map<String, Object> mount : (List<Map<String, Object>>) c.get("volumeMounts")) {
            Map<String, Object> volume = volumes.get((String) mount.get("name"));
            assertNotNull(volume, "mount of an undeclared volume " + mount.get("name"));
            if (volume.containsKey("hostPath")) {
                assertEquals(true, mount.get("readOnly"), "host mount " + mount.get("name") + " must be read-only");
                assertTrue(((String) mount.get("mountPath")).startsWith("/host/"), "host paths live under /host");
            }
        }
        assertTrue(volumes.containsKey("tmp"), "a writable /tmp (emptyDir) for the read-only root filesystem");
        String configMap = at(volumes.get("config"), "configMap", "name");
        assertEquals(at(BY_KIND.get("ConfigMap"), "metadata", "name"), configMap);
        assertEquals(at(BY_KIND.get("ServiceAccount"), "metadata", "name"), pod.get("serviceAccountName"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void serviceAndServiceMonitorPointAtTheMetricsPort() {
        Map<String, Object> ds = BY_KIND.get("DaemonSet");
        Map<String, Object> c = ((List<Map<String, Object>>) at(ds, "spec", "template", "spec", "containers")).get(0);
        Map<String, Object> port = ((List<Map<String, Object>>) c.get("ports")).get(0);
        assertEquals(9847, port.get("containerPort"));
        Map<String, Object> svc = BY_KIND.get("Service");
        Map<String, Object> svcPort = ((List<Map<String, Object>>) at(svc, "spec", "ports")).get(0);
        assertEquals(port.get("name"), svcPort.get("targetPort"));
        Map<String, Object> podLabels = at(ds, "spec", "template", "metadata", "labels");
        Map<String, Object> svcSelector = at(svc, "spec", "selector");
        assertTrue(podLabels.entrySet().containsAll(svcSelector.entrySet()), "the Service selects no vigil pod");
        Map<String, Object> sm = BY_KIND.get("ServiceMonitor");
        Map<String, Object> svcLabels = at(svc, "metadata", "labels");
        Map<String, Object> smSelector = at(sm, "spec", "selector", "matchLabels");
        assertTrue(svcLabels.entrySet().containsAll(smSelector.entrySet()), "the ServiceMonitor selects no Service");
        Map<String, Object> endpoint = ((List<Map<String, Object>>) at(sm, "spec", "endpoints")).get(0);
        assertEquals(svcPort.get("name"), endpoint.get("port"));
    }

    @Test
    void theConfigMapIsTheEmbeddedDefaultWhichIsRightOnEveryRole() {
        String yaml = at(BY_KIND.get("ConfigMap"), "data", "vigil.yml");
        assertEquals(dev.vigil.probe.ConfigLoader.embeddedText(), yaml,
            "packaging/kubernetes/configmap.yaml must carry src/main/resources/vigil-default.yml verbatim");
    }

    @Test
    @SuppressWarnings("unchecked")
    void keepalivedIsVisibleFromThePodThroughTheHostsProcAndSystemBus() {
        Map<String, Object> pod = at(BY_KIND.get("DaemonSet"), "spec", "template", "spec");
        Map<String, Object> c = ((List<Map<String, Object>>) pod.get("containers")).get(0);
        Map<String, String> hostPathByMount = new HashMap<>();
        Map<String, String> hostPathByVolume = new HashMap<>();
        for (Map<String, Object> v : (List<Map<String, Object>>) pod.get("volumes")) {
            if (v.containsKey("hostPath")) {
                hostPathByVolume.put((String) v.get("name"), at(v, "hostPath", "path"));
            }
        }
        for (Map<String, Object> m : (List<Map<String, Object>>) c.get("volumeMounts")) {
            hostPathByMount.put((String) m.get("mountPath"), hostPathByVolume.get((String) m.get("name")));
        }
        // the pid file and the process: keepalived is "not running" without both
        assertEquals("/proc", hostPathByMount.get("/host/proc"));
        assertEquals("/run", hostPathByMount.get("/host/run"));
        List<Map<String, Object>> env = (List<Map<String, Object>>) c.get("env");
        assertTrue(env.stream().anyMatch(e -> "DBUS_SYSTEM_BUS_ADDRESS".equals(e.get("name"))
            && "unix:path=/host/run/dbus/system_bus_socket".equals(e.get("value"))), "busctl must find the host's bus");
    }

    @Test
    void theConfigMapsConfigurationLoads(@TempDir Path rootfs) throws Exception {
        String yaml = at(BY_KIND.get("ConfigMap"), "data", "vigil.yml");
        var config = new ConfigLoader(ProbeKinds.builtIn(), HostPaths.of(rootfs.toString())).parse("configmap vigil.yml", yaml);
        assertFalse(config.targets().isEmpty());
    }

    @Test
    void containerImageRunsAsNonRoot() throws Exception {
        String file = Files.readString(Path.of("packaging/container/Containerfile"));
        assertTrue(file.lines().anyMatch(l -> l.matches("USER [1-9][0-9]*:[1-9][0-9]*")), "USER must be a numeric non-root uid");
        assertTrue(file.contains("COPY target/vigil.jar"));
        assertTrue(file.contains("--path.rootfs=/host"));
    }
}
