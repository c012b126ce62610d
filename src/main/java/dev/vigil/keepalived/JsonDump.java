package dev.vigil.keepalived;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vigil.net.BoundedInputStream;
import dev.vigil.net.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * keepalived's JSON dump ({@code keepalived --signum=JSON}, written to {@code /tmp/keepalived.json}): per instance the
 * name, interface, vrid, effective priority, state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT), last transition, and the
 * become/release master counts. Only those fields are read: the dump also holds the VRRP password
 * ({@code auth_data}), which is skipped, never stored.
 */
final class JsonDump {
    record Instance(String name, String iface, int vrid, int priority, int state, double lastTransition,
                    long becameMaster, long releasedMaster) {
    }

    /** A dump is about 2 KiB per instance; anything past this is not keepalived's. */
    static final long MAX_BYTES = 16 << 20;

    private JsonDump() {
    }

    static List<Instance> parse(InputStream in) throws IOException {
        List<Instance> out = new ArrayList<>();
        try (JsonParser p = Json.parser(new BoundedInputStream(in, MAX_BYTES))) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("not a keepalived JSON dump (no top-level array)");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String[] s = {"", ""};
                long[] n = {0, 0, -1, 0, 0, 0};
                double[] last = {Double.NaN};
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String section = p.currentName();
                    p.nextToken();
                    if (p.currentToken() != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = section + "." + p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "data.iname" -> s[0] = p.getText();
                            case "data.ifp_ifname" -> s[1] = p.getText();
                            case "data.vrid" -> n[0] = p.getValueAsLong();
                            case "data.effective_priority" -> n[1] = p.getValueAsLong();
                            case "data.state" -> n[2] = p.getValueAsLong();
                            case "data.last_transition" -> last[0] = p.getValueAsDouble();
                            case "stats.become_master" -> n[3] = p.getValueAsLong();
                            case "stats.release_master" -> n[4] = p.getValueAsLong();
                            default -> p.skipChildren(); // including data.auth_data: never kept
                        }
                    }
                }
                if (!s[0].isEmpty()) {
                    out.add(new Instance(s[0], s[1], (int) n[0], (int) n[1], (int) n[2], last[0], n[3], n[4]));
                }
            }
        }
        return out;
    }
}
