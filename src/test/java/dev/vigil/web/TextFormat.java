package dev.vigil.web;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A strict line check of the text exposition formats (Prometheus 0.0.4 and OpenMetrics 1.0): every line is a
 * comment of a known kind or a sample {@code name{labels} value}, every sample belongs to a declared family, and no
 * family is declared twice. promtool and a real Prometheus check the same output in the integration tests.
 */
final class TextFormat {
    private static final Pattern SAMPLE = Pattern.compile(
        "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? "
            + "(-?[0-9.]+(E-?[0-9]+)?|NaN|\\+Inf|-Inf)( [0-9.]+)?");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)( .*)?|# EOF");

    private TextFormat() {
    }

    static void assertParses(String body) {
        Set<String> declared = new HashSet<>();
        int samples = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("#")) {
                var m = COMMENT.matcher(line);
                if (!m.matches()) {
                    fail("bad comment line: " + line);
                }
                if ("TYPE".equals(m.group(1)) && !declared.add(m.group(2))) {
                    fail("family declared twice: " + m.group(2));
                }
                continue;
            }
            var m = SAMPLE.matcher(line);
            if (!m.matches()) {
                fail("bad sample line: " + line);
            }
            String name = m.group(1);
            boolean known = declared.stream().anyMatch(f -> name.equals(f) || name.startsWith(f + "_"));
            assertTrue(known, "sample of an undeclared family: " + line);
            samples++;
        }
        assertTrue(samples > 10, "too few samples");
    }
}
