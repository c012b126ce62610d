package dev.vigil.etcd;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The facts vigil reads from the {@code /metrics} page of one etcd member (Prometheus text format 0.0.4). A small
 * streaming parser: it reads at most {@link #MAX_BYTES}, skips every series it does not need without parsing it, and
 * keeps only the handful below, so a 150 KB page costs a few KB of memory.
 */
record MetricsPage(OptionalDouble hasLeader, OptionalDouble isLeader, OptionalDouble isLearner,
                   OptionalDouble leaderChangesSeen, OptionalDouble dbSize, OptionalDouble dbSizeInUse,
                   OptionalDouble quotaBytes, int activePeers, String serverId, String version,
                   String clusterVersion) {
    static final int MAX_BYTES = 8 << 20;
    static final int MAX_LINE = 64 << 10;

    /** Parses a whole page from a stream (tests, files); the agent feeds {@link Parser} as the body arrives. */
    static MetricsPage parse(InputStream in) throws IOException, Json.BadResponse {
        Parser p = new Parser();
        byte[] buf = new byte[8192];
        for (int n = in.read(buf); n > 0; n = in.read(buf)) {
            p.feed(buf, 0, n);
        }
        return p.finish();
    }

    /**
     * Incremental parser: bytes in as they arrive, at most {@link #MAX_BYTES} in total and {@link #MAX_LINE} per line,
     * only the wanted series kept.
     */
    static final class Parser {
        private final Map<String, Double> values = new LinkedHashMap<>();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private long total;
        private int activePeers;
        private String serverId = "";
        private String version = "";
        private String clusterVersion = "";
        private boolean sawEtcd;

        void feed(byte[] buf, int off, int len) throws Json.BadResponse {
            total += len;
            if (total > MAX_BYTES) {
                throw new Json.BadResponse("metrics page larger than " + (MAX_BYTES >> 20) + " MiB");
            }
            int end = off + len;
            int start = off;
            for (int i = off; i < end; i++) {
                if (buf[i] == '\n') {
                    append(buf, start, i - start);
                    line(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                    start = i + 1;
                }
            }
            append(buf, start, end - start);
        }

        private void append(byte[] buf, int off, int len) throws Json.BadResponse {
            if (line.size() + len > MAX_LINE) {
                throw new Json.BadResponse("metrics page has a line longer than " + (MAX_LINE >> 10) + " KiB");
            }
            line.write(buf, off, len);
        }

        private void line(String line) throws Json.BadResponse {
            if (line.isEmpty() || line.charAt(0) == '#') {
                return;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            if (!name.startsWith("etcd_")) {
                return;
            }
            sawEtcd = true;
            switch (name) {
                case "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_is_learner",
                     "etcd_server_leader_changes_seen_total", "etcd_mvcc_db_total_size_in_bytes",
                     "etcd_debugging_mvcc_db_total_size_in_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes",
                     "etcd_server_quota_backend_bytes" -> values.put(name, value(line, nameEnd));
                case "etcd_network_active_peers" -> activePeers += value(line, nameEnd) > 0 ? 1 : 0;
                case "etcd_server_id" -> serverId = label(line, nameEnd, "server_id");
                case "etcd_server_version" -> version = label(line, nameEnd, "server_version");
                case "etcd_cluster_version" -> clusterVersion = label(line, nameEnd, "cluster_version");
                default -> {
                }
            }
        }

        MetricsPage finish() throws Json.BadResponse {
            if (line.size() > 0) {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            if (!sawEtcd) {
                throw new Json.BadResponse("no etcd_ series on the metrics page: is this an etcd member?");
            }
            OptionalDouble dbSize = opt(values, "etcd_mvcc_db_total_size_in_bytes");
            if (dbSize.isEmpty()) {
                dbSize = opt(values, "etcd_debugging_mvcc_db_total_size_in_bytes");
            }
            return new MetricsPage(opt(values, "etcd_server_has_leader"), opt(values, "etcd_server_is_leader"),
                opt(values, "etcd_server_is_learner"), opt(values, "etcd_server_leader_changes_seen_total"), dbSize,
                opt(values, "etcd_mvcc_db_total_size_in_use_in_bytes"), opt(values, "etcd_server_quota_backend_bytes"),
                activePeers, serverId, version, clusterVersion);
        }
    }

    private static OptionalDouble opt(Map<String, Double> values, String name) {
        Double v = values.get(name);
        return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** The sample value: the first field after the labels (a timestamp may follow). */
    private static double value(String line, int nameEnd) throws Json.BadResponse {
        int i = nameEnd;
        if (i < line.length() && line.charAt(i) == '{') {
            i = labelsEnd(line, i);
        }
        String rest = line.substring(i).trim();
        int space = rest.indexOf(' ');
        String v = space < 0 ? rest : rest.substring(0, space);
        try {
            return switch (v) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(v);
            };
        } catch (NumberFormatException e) {
            throw new Json.BadResponse("metrics page: bad sample value in line " + abbreviate(line));
        }
    }

    /** The value of label {@code wanted}, or "" when absent. */
    static String label(String line, int braceAt, String wanted) throws Json.BadResponse {
        if (braceAt >= line.length() || line.charAt(braceAt) != '{') {
            return "";
        }
        int i = braceAt + 1;
        while (i < line.length() && line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                throw new Json.BadResponse("metrics page: bad labels in line " + abbreviate(line));
            }
            String key = line.substring(i, eq).trim();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < line.length() && line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\' && j + 1 < line.length()) {
                    char n = line.charAt(++j);
                    value.append(n == 'n' ? '\n' : n);
                } else {
                    value.append(c);
                }
            }
            if (j >= line.length()) {
                throw new Json.BadResponse("metrics page: unterminated label value in line " + abbreviate(line));
            }
            if (key.equals(wanted)) {
                return value.toString();
            }
            i = j + 1;
            if (i < line.length() && line.charAt(i) == ',') {
                i++;
            }
        }
        return "";
    }

    private static int labelsEnd(String line, int braceAt) throws Json.BadResponse {
        boolean quoted = false;
        for (int i = braceAt + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '}') {
                return i + 1;
            }
        }
        throw new Json.BadResponse("metrics page: unterminated labels in line " + abbreviate(line));
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
