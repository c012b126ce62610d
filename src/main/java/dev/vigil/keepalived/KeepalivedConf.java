package dev.vigil.keepalived;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of keepalived.conf vigil needs: every {@code vrrp_instance} with its interface, virtual router id,
 * priority and {@code virtual_ipaddress} block; {@code include} directives are followed (globs, relative to the
 * including file), comments ({@code #}, {@code !}) skipped. Anything else is stepped over, braces balanced.
 */
final class KeepalivedConf {
    private static final int MAX_INCLUDE_DEPTH = 8;

    /** One vrrp_instance. */
    record Instance(String name, String iface, int vrid, int priority, List<String> vips) {
    }

    private KeepalivedConf() {
    }

    static List<Instance> read(Path file) throws IOException {
        List<String> tokens = new ArrayList<>();
        tokenize(file, tokens, 0);
        return parse(tokens);
    }

    static List<Instance> parse(String text) {
        List<String> tokens = new ArrayList<>();
        tokenizeText(text, tokens);
        return parse(tokens);
    }

    private static void tokenize(Path file, List<String> out, int depth) throws IOException {
        List<String> own = new ArrayList<>();
        tokenizeText(Files.readString(file), own);
        for (int i = 0; i < own.size(); i++) {
            if (own.get(i).equals("include") && i + 1 < own.size()) {
                String pattern = own.get(++i);
                if (depth < MAX_INCLUDE_DEPTH) {
                    for (Path inc : glob(file.toAbsolutePath().getParent(), pattern)) {
                        tokenize(inc, out, depth + 1);
                    }
                }
            } else {
                out.add(own.get(i));
            }
        }
    }

    /** Files an include pattern names; a wildcard only in the last path element, as keepalived's own configs use. */
    private static List<Path> glob(Path dir, String pattern) throws IOException {
        Path p = dir.resolve(pattern);
        String name = p.getFileName().toString();
        List<Path> out = new ArrayList<>();
        if (!name.contains("*") && !name.contains("?") && !name.contains("[")) {
            if (Files.isRegularFile(p)) {
                out.add(p);
            }
            return out;
        }
        if (!Files.isDirectory(p.getParent())) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p.getParent(), name)) {
            for (Path f : ds) {
                if (Files.isRegularFile(f)) {
                    out.add(f);
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static void tokenizeText(String text, List<String> out) {
        for (String rawLine : text.split("\n")) {
            String line = rawLine;
            int comment = firstComment(line);
            if (comment >= 0) {
                line = line.substring(0, comment);
            }
            StringBuilder cur = new StringBuilder();
            boolean quoted = false;
            for (char c : line.toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && (c == '{' || c == '}')) {
                    flush(cur, out);
                    out.add(String.valueOf(c));
                } else if (!quoted && Character.isWhitespace(c)) {
                    flush(cur, out);
                } else {
                    cur.append(c);
                }
            }
            flush(cur, out);
            out.add("\n");
        }
    }

    private static int firstComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '#' || c == '!')) {
                return i;
            }
        }
        return -1;
    }

    private static void flush(StringBuilder cur, List<String> out) {
        if (cur.length() > 0) {
            out.add(cur.toString());
            cur.setLength(0);
        }
    }

    private static List<Instance> parse(List<String> t) {
        List<Instance> out = new ArrayList<>();
        int depth = 0;
        for (int i = 0; i < t.size(); i++) {
            String tok = t.get(i);
            if (tok.equals("{")) {
                depth++;
            } else if (tok.equals("}")) {
                depth--;
            } else if (depth == 0 && tok.equals("vrrp_instance") && i + 2 < t.size()) {
                String name = t.get(i + 1);
                int open = i + 2;
                while (open < t.size() && t.get(open).equals("\n")) {
                    open++;
                }
                if (open < t.size() && t.get(open).equals("{")) {
                    int end = matching(t, open);
                    out.add(instance(name, t.subList(open + 1, end)));
                    i = end;
                }
            }
        }
        return out;
    }

    private static int matching(List<String> t, int open) {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            if (t.get(i).equals("{")) {
                depth++;
            } else if (t.get(i).equals("}") && --depth == 0) {
                return i;
            }
        }
        return t.size();
    }

    private static Instance instance(String name, List<String> body) {
        String iface = "";
        int vrid = 0;
        int priority = 100;
        List<String> vips = new ArrayList<>();
        for (int i = 0; i < body.size(); i++) {
            String tok = body.get(i);
            switch (tok) {
                case "interface" -> iface = next(body, i);
                case "virtual_router_id" -> vrid = intOr(next(body, i), 0);
                case "priority" -> priority = intOr(next(body, i), 100);
                case "virtual_ipaddress" -> {
                    int open = i + 1;
                    while (open < body.size() && body.get(open).equals("\n")) {
                        open++;
                    }
                    if (open < body.size() && body.get(open).equals("{")) {
                        int end = matching(body, open);
                        boolean lineStart = true;
                        for (String v : body.subList(open + 1, end)) {
                            if (v.equals("\n")) {
                                lineStart = true;
                            } else if (lineStart) {
                                vips.add(v); // the address; "dev", "label", "scope" options follow on the line
                                lineStart = false;
                            }
                        }
                        i = end;
                    }
                }
                default -> {
                    if (tok.equals("{")) {
                        i = matching(body, i);
                    }
                }
            }
        }
        return new Instance(name, iface, vrid, priority, vips);
    }

    private static String next(List<String> t, int i) {
        return i + 1 < t.size() && !t.get(i + 1).equals("\n") ? t.get(i + 1) : "";
    }

    private static int intOr(String s, int dflt) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
