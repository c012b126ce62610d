package dev.vigil.keepalived;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a VRRP instance's {@code State} property from keepalived's DBus service ({@code org.keepalived.Vrrp1}, object
 * {@code /org/keepalived/Vrrp1/Instance/<iface>/<vrid>/IPv4|IPv6}) with {@code busctl}, as an unprivileged user: the
 * service's policy lets anyone read properties. Needs {@code enable_dbus} in keepalived's global_defs.
 */
final class DbusState {
    private static final Pattern BUSCTL = Pattern.compile("\\(us\\)\\s+(\\d+)\\s+\"([^\"]*)\"");
    private static final int MAX_OUTPUT = 4096;

    /** The state number (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT) and keepalived's name for it. */
    record State(int number, String name) {
    }

    private DbusState() {
    }

    static String objectPath(String iface, int vrid, boolean ipv6) {
        return "/org/keepalived/Vrrp1/Instance/" + iface + "/" + vrid + (ipv6 ? "/IPv6" : "/IPv4");
    }

    /**
     * The instance's state, or empty when the bus, the service or the object is not there (keepalived without
     * enable_dbus, no system bus, no busctl): those are facts about the node, not errors of the probe.
     */
    static Optional<State> read(String iface, int vrid, boolean ipv6, Duration timeout) throws InterruptedException {
        List<String> cmd = List.of("busctl", "--system", "--timeout=" + Math.max(1, timeout.toMillis() / 1000) + "s",
            "get-property", "org.keepalived.Vrrp1", objectPath(iface, vrid, ipv6), "org.keepalived.Vrrp1.Instance",
            "State");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException noBusctl) {
            return Optional.empty();
        }
        try {
            byte[] out = p.getInputStream().readNBytes(MAX_OUTPUT);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            return parse(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        } finally {
            p.destroyForcibly();
        }
    }

    static Optional<State> parse(String busctlOutput) {
        Matcher m = BUSCTL.matcher(busctlOutput);
        return m.find() ? Optional.of(new State(Integer.parseInt(m.group(1)), m.group(2))) : Optional.empty();
    }
}
