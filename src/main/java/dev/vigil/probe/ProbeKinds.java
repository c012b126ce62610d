package dev.vigil.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The probe kinds this agent knows, as they register themselves: each kind's class is named in
 * {@code META-INF/services/dev.vigil.probe.ProbeKind} and found by {@link ServiceLoader}, so this package (the core)
 * imports no kind. A kind needs a public no-argument constructor.
 */
public final class ProbeKinds {
    private final Map<String, ProbeKind> byName = new LinkedHashMap<>();

    public ProbeKinds(List<ProbeKind> kinds) {
        for (ProbeKind k : kinds) {
            if (byName.put(k.name(), k) != null) {
                throw new IllegalArgumentException("probe kind registered twice: " + k.name());
            }
        }
    }

    /** Every registered kind, each a new instance (a kind may keep state shared by its probes, such as caches). */
    public static ProbeKinds builtIn() {
        return new ProbeKinds(load());
    }

    private static List<ProbeKind> load() {
        List<ProbeKind> kinds = new ArrayList<>();
        ServiceLoader.load(ProbeKind.class, ProbeKinds.class.getClassLoader()).forEach(kinds::add);
        if (kinds.isEmpty()) {
            throw new IllegalStateException("no probe kind registered (META-INF/services/" + ProbeKind.class.getName()
                + " is missing from the class path)");
        }
        return List.copyOf(kinds);
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
