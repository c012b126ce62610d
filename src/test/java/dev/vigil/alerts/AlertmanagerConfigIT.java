package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.Tools;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example Alertmanager configuration is valid and routes every shipped alert by its severity. */
class AlertmanagerConfigIT {
    static final Path EXAMPLE = Path.of("packaging", "alertmanager", "alertmanager.example.yml");

    @Test
    void amtoolAcceptsTheExample() throws Exception {
        String amtool = Tools.require("amtool", "prometheus-alertmanager");
        AlertRulesIT.ProcessOutput r = AlertRulesIT.run(List.of(amtool, "check-config", EXAMPLE.toString()));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyShippedAlertReachesTheReceiverOfItsSeverity() throws Exception {
        String amtool = Tools.require("amtool", "prometheus-alertmanager");
        List<String> wrong = new ArrayList<>();
        for (AlertRules.Rule a : AlertRules.alerts()) {
            String severity = String.valueOf(a.labels().get("severity"));
            String expected = a.alert().equals("Watchdog") ? "watchdog" : switch (severity) {
                case "critical" -> "pager";
                case "warning" -> "ticket";
                default -> "blackhole";
            };
            AlertRulesIT.ProcessOutput r = AlertRulesIT.run(List.of(amtool, "config", "routes", "test",
                "--config.file=" + EXAMPLE, "alertname=" + a.alert(), "severity=" + severity,
                "instance=node1:9847", "job=vigil", "target=t"));
            String receiver = r.output().lines().filter(l -> !l.startsWith("Warning")).reduce("", (x, y) -> y).trim();
            if (r.exit() != 0 || !receiver.equals(expected)) {
                wrong.add(a.alert() + " (" + severity + "): " + receiver + ", expected " + expected);
            }
        }
        assertEquals(List.of(), wrong);
    }
}
