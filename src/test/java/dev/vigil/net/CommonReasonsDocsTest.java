package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The probe reference's "Common reasons" table lists every common reason of the net layer, in its order, and nothing else. */
class CommonReasonsDocsTest {
    @Test
    void theReadmeTableIsTheVocabulary() throws Exception {
        String text = Files.readString(Path.of("src/main/java/dev/vigil/probe/README.md"));
        int at = text.indexOf("## Common reasons");
        assertTrue(at >= 0, "the probe reference has no section \"## Common reasons\"");
        int end = text.indexOf("\n## ", at + 1);
        String section = text.substring(at, end < 0 ? text.length() : end);
        List<String> documented = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(section);
        while (m.find()) {
            documented.add(m.group(1));
        }
        List<String> expected = new ArrayList<>(Reasons.COMMON.keySet());
        expected.add("error"); // the scheduler's, for a bug
        assertEquals(expected, documented);
    }
}
