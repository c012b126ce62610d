package dev.vigil.tls;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server processes tests start, stopped at JVM exit if a test could not stop them itself (the fork died of an
 * error, or was told to exit): no s_server or daemon outlives the test run.
 */
final class Orphans {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }), "orphan-servers"));
    }

    private Orphans() {
    }

    static Process watch(Process p) {
        LIVE.add(p);
        return p;
    }

    static void forget(Process p) {
        LIVE.remove(p);
    }
}
