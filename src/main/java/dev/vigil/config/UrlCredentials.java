package dev.vigil.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Refuses user info ({@code http://user:password@host}) in every URL of the configuration, whatever the kind or the
 * option: a target's URL becomes its {@code target} label, a line of the status page and a field of log lines, so a
 * password in it would be published everywhere. Secrets come from {@code *_file} options. The check walks the whole
 * document once, so a kind added later is covered without doing anything.
 */
public final class UrlCredentials {
    /** scheme://authority where the authority holds an '@' (user info). */
    private static final Pattern USER_INFO = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://([^/?#\\s\"']*)@");

    private UrlCredentials() {
    }

    /** Reports every scalar of {@code root} holding a URL with user info, at its position and option path. */
    public static void check(ConfigReader reader, Node root) {
        walk(reader, root, "");
    }

    private static void walk(ConfigReader reader, Node node, String path) {
        if (node instanceof ScalarNode s) {
            if (hasUserInfo(s.getValue())) {
                reader.error(s, path, "a URL with user info (user:password@) is refused: it would show in the target"
                    + " label, on the status page and in logs; remove it and give credentials through the kind's *_file"
                    + " options (e.g. bearer_token_file, cert_file/key_file)");
            }
        } else if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
                walk(reader, t.getValueNode(), path.isEmpty() ? key : path + "." + key);
            }
        } else if (node instanceof SequenceNode seq) {
            for (int i = 0; i < seq.getValue().size(); i++) {
                walk(reader, seq.getValue().get(i), path + "[" + i + "]");
            }
        }
    }

    public static boolean hasUserInfo(String text) {
        return USER_INFO.matcher(text).find();
    }

    /** {@code text} with the user info of any URL in it replaced, for messages that quote a value. */
    public static String redact(String text) {
        Matcher m = USER_INFO.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(text.substring(m.start(), m.start(1)) + "<redacted>@"));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }
}
