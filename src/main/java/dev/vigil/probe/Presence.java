package dev.vigil.probe;

import dev.vigil.config.HostPaths;
import java.nio.file.Files;
import java.util.List;

/**
 * Whether a component is installed on this node, from the host paths a target's {@code when_present} names: k3s'
 * server directory on a server, keepalived.conf where keepalived runs. A component that is not installed is absent,
 * which no rule alerts on; one that is installed and does not answer is down.
 */
public final class Presence {
    private Presence() {
    }

    /** True when any of {@code hostPaths} exists under the root (one stat each, no read). */
    public static boolean anyExists(HostPaths root, List<String> hostPaths) {
        for (String p : hostPaths) {
            if (Files.exists(root.resolve(p))) {
                return true;
            }
        }
        return false;
    }
}
