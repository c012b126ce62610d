package dev.vigil.probe;

import dev.vigil.backup.BackupKind;
import dev.vigil.cadvisor.CadvisorKind;
import dev.vigil.etcd.EtcdKind;
import dev.vigil.keepalived.KeepalivedKind;
import dev.vigil.keepalived.VipKind;
import dev.vigil.tcp.TcpKind;
import dev.vigil.tls.CertfileKind;
import dev.vigil.tls.TlsKind;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The probe kinds this agent knows. Adding a kind is one line in {@link #builtIn()}. */
public final class ProbeKinds {
    private final Map<String, ProbeKind> byName = new LinkedHashMap<>();

    public ProbeKinds(List<ProbeKind> kinds) {
        for (ProbeKind k : kinds) {
            if (byName.put(k.name(), k) != null) {
                throw new IllegalArgumentException("probe kind registered twice: " + k.name());
            }
        }
    }

    public static ProbeKinds builtIn() {
        return new ProbeKinds(List.of(
            new TcpKind(),
            new TlsKind(),
            new CertfileKind(),
            new CadvisorKind(),
            new BackupKind(),
            new KeepalivedKind(),
            new VipKind(),
            new EtcdKind()
        ));
    }

    public Optional<ProbeKind> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public List<ProbeKind> all() {
        return List.copyOf(byName.values());
    }

    public List<String> names() {
        return List.copyOf(byName.keySet());
    }
}
