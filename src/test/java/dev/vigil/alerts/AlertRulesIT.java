package dev.vigil.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.it.Tools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** promtool checks the rule file and runs every unit test in alerts/tests/, as CI does. */
class AlertRulesIT {

    static ProcessOutput run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", cmd) + " did not end in 120 s");
            }
            return new ProcessOutput(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }

    record ProcessOutput(int exit, String output) {
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        String promtool = Tools.require("promtool", "prometheus");
        ProcessOutput r = run(List.of(promtool, "check", "rules", AlertRules.RULES.toString()));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void everyPromtoolUnitTestPasses() throws Exception {
        String promtool = Tools.require("promtool", "prometheus");
        List<String> cmd = new ArrayList<>(List.of(promtool, "test", "rules"));
        for (Path f : AlertRules.testFiles()) {
            cmd.add(f.toString());
        }
        ProcessOutput r = run(cmd);
        assertEquals(0, r.exit(), r.output());
        assertEquals(AlertRules.testFiles().size(), r.output().split("SUCCESS", -1).length - 1, r.output());
    }
}
