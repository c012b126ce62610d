package dev.vigil.cadvisor;

import dev.vigil.config.Section;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code include:} / {@code exclude:} by {@code name}, {@code namespace}, {@code pod} and {@code image}, with shell
 * globs ({@code *}, {@code ?}). A container is kept when, for every field under {@code include}, it matches one of the
 * patterns, and no field under {@code exclude} matches.
 */
record ContainerFilter(Map<String, List<String>> include, Map<String, List<String>> exclude) {
    static final List<String> FIELDS = List.of("name", "namespace", "pod", "image");

    static ContainerFilter read(Section target) {
        return new ContainerFilter(patterns(target.section("include")), patterns(target.section("exclude")));
    }

    private static Map<String, List<String>> patterns(Section s) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String field : FIELDS) {
            List<String> p = s.strings(field);
            if (!p.isEmpty()) {
                out.put(field, p);
            }
        }
        s.finish();
        return out;
    }

    boolean keeps(CgroupStats c) {
        for (Map.Entry<String, List<String>> e : include.entrySet()) {
            if (!matchesAny(value(c, e.getKey()), e.getValue())) {
                return false;
            }
        }
        for (Map.Entry<String, List<String>> e : exclude.entrySet()) {
            if (matchesAny(value(c, e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static String value(CgroupStats c, String field) {
        return switch (field) {
            case "name" -> c.displayName();
            case "namespace" -> c.namespace;
            case "pod" -> c.pod;
            default -> c.image;
        };
    }

    private static boolean matchesAny(String value, List<String> globs) {
        for (String g : globs) {
            if (glob(g).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
