package dev.vigil.probe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parser of one sample line of the Prometheus text format ({@code name{l="v",...} value [timestamp]}), for the kinds
 * that read a component's own exposition (cAdvisor, the kubelet, etcd's metrics listener). Callers read the name
 * first ({@link #name}) and parse only the lines of the families they keep.
 */
public final class ExpositionLines {
    private ExpositionLines() {
    }

    /** One parsed sample; {@code timestampMillis} is -1 when the line has none. */
    public record Line(String name, Map<String, String> labels, double value, long timestampMillis) {
    }

    /** The metric name of a sample line, or null for comments and blank lines. */
    public static String name(String line) {
        if (line.isEmpty() || line.charAt(0) == '#') {
            return null;
        }
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
            end++;
        }
        return line.substring(0, end);
    }

    /** Parses a sample line; throws {@link IllegalArgumentException} on a malformed one. */
    public static Line parse(String line) {
        String name = name(line);
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("not a sample line");
        }
        int at = name.length();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (true) {
                if (at >= line.length()) {
                    throw new IllegalArgumentException("unterminated label set");
                }
                if (line.charAt(at) == '}') {
                    at++;
                    break;
                }
                int eq = line.indexOf('=', at);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("bad label");
                }
                String key = line.substring(at, eq).trim();
                StringBuilder value = new StringBuilder();
                int i = eq + 2;
                for (; i < line.length(); i++) {
                    char c = line.charAt(i);
                    if (c == '\\' && i + 1 < line.length()) {
                        char n = line.charAt(++i);
                        value.append(n == 'n' ? '\n' : n);
                    } else if (c == '"') {
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (i >= line.length()) {
                    throw new IllegalArgumentException("unterminated label value");
                }
                labels.put(key, value.toString());
                at = i + 1;
                if (at < line.length() && line.charAt(at) == ',') {
                    at++;
                }
            }
        }
        String rest = line.substring(at).trim();
        int space = rest.indexOf(' ');
        String value = space < 0 ? rest : rest.substring(0, space);
        long ts = -1;
        if (space >= 0) {
            try {
                ts = Long.parseLong(rest.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad timestamp");
            }
        }
        return new Line(name, labels, parseValue(value), ts);
    }

    static double parseValue(String v) {
        switch (v) {
            case "+Inf", "Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" -> {
                return Double.NaN;
            }
            default -> {
                try {
                    return Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad value \"" + v + "\"");
                }
            }
        }
    }
}
