package dev.vigil.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.AgentProcess;
import dev.vigil.it.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ansible role in packaging/ansible, with the real ansible-playbook: syntax check, a run against localhost that
 * renders the configuration from inventory variables and validates it with the packaged jar, and a check-mode run of
 * the whole role with the Debian package.
 */
class AnsibleRoleIT {
    private static final Path ANSIBLE = Path.of("packaging/ansible");
    @TempDir
    Path dir;

    private String playbook(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.require("ansible-playbook", "ansible-core")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ANSIBLE.toFile()).redirectErrorStream(true);
        pb.environment().put("ANSIBLE_ROLES_PATH", "roles");
        pb.environment().put("ANSIBLE_NOCOLOR", "1");
        pb.environment().put("ANSIBLE_LOCAL_TEMP", dir.resolve("ansible-tmp").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "ansible-playbook hung");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private Path inventory() throws Exception {
        return Files.writeString(dir.resolve("inventory.ini"), """
            [k3s_servers]
            server1 ansible_connection=local ansible_host=10.0.0.11 vigil_config_path=%1$s/server1.yml
            [k3s_agents]
            worker1 ansible_connection=local vigil_config_path=%1$s/worker1.yml
            [others]
            plain1 ansible_connection=local vigil_config_path=%1$s/plain1.yml

            [k3s_servers:vars]
            keepalived_vip=10.0.0.100
            """.formatted(dir));
    }

    @Test
    void syntaxCheckOfTheExamplePlaybook() throws Exception {
        playbook("--syntax-check", "-i", "inventory.example.ini", "site.yml");
    }

    @Test
    void rendersForEachRoleFromItsInventoryGroupAConfigurationThatTheAgentAccepts() throws Exception {
        String validate = "{\"vigil_validate_command\": \"" + AgentProcess.javaBinary() + " -jar "
            + AgentProcess.jar().toAbsolutePath() + " check-config %s\"}";
        playbook("-i", inventory().toString(), "site.yml", "-e", "vigil_install_package=false", "-e",
            "vigil_manage_service=false", "-e", validate);
        String server = Files.readString(dir.resolve("server1.yml"));
        assertTrue(server.contains("# role of this node: server"), server);
        assertTrue(server.contains("address: 10.0.0.100"), "the VIP from the inventory: " + server);
        assertTrue(server.contains("- preset: k3s"), "etcd local mode without a client certificate: " + server);
        assertTrue(server.contains("ca_file: /var/lib/rancher/k3s/server/tls/server-ca.crt"), server);
        assertTrue(server.contains("name: k3s-etcd-snapshots"), server);
        String worker = Files.readString(dir.resolve("worker1.yml"));
        assertTrue(worker.contains("# role of this node: worker"), worker);
        assertTrue(worker.contains("name: kubelet"), worker);
        for (String serverOnly : List.of("etcd:", "keepalived:", "backups:", "tls:", "kube-apiserver", "10.0.0.100")) {
            assertFalse(worker.contains(serverOnly), "a worker has no " + serverOnly + ":\n" + worker);
        }
        String plain = Files.readString(dir.resolve("plain1.yml"));
        assertTrue(plain.contains("# role of this node: plain"), plain);
        for (String k3sOnly : List.of("etcd:", "keepalived:", "backups:", "tcp:", "kubelet")) {
            assertFalse(plain.contains(k3sOnly), "a node in neither group has no " + k3sOnly + ":\n" + plain);
        }
        for (String host : List.of("server1", "worker1", "plain1")) {
            AgentProcess.Result check = AgentProcess.run(java.time.Duration.ofSeconds(60), "check-config",
                dir.resolve(host + ".yml").toString());
            assertEquals(0, check.exitCode(), host + ": " + check.stderr());
        }
    }

    @Test
    void checkModeRunOfTheWholeRole() throws Exception {
        Path deb;
        try (Stream<Path> files = Files.list(AgentProcess.jar().getParent())) {
            deb = files.filter(f -> f.getFileName().toString().matches("vigil_.*_all\\.deb")).findFirst().orElseThrow();
        }
        String out = playbook("--check", "-i", inventory().toString(), "site.yml", "-e", "vigil_deb=" + deb.toAbsolutePath());
        assertTrue(out.contains("failed=0"), out);
    }
}
