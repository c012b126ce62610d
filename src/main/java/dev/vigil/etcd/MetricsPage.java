package dev.vigil.etcd;

import dev.vigil.probe.ExpositionLines;
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
                     "etcd_server_quota_backend_bytes" -> values.put(name, sample(line).value());
                case "etcd_network_active_peers" -> activePeers += sample(line).value() > 0 ? 1 : 0;
                case "etcd_server_id" -> serverId = sample(line).labels().getOrDefault("server_id", "");
                case "etcd_server_version" -> version = sample(line).labels().getOrDefault("server_version", "");
                case "etcd_cluster_version" -> clusterVersion = sample(line).labels().getOrDefault("cluster_version", "");
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

    /** A sample line of a family the page keeps, parsed by the exposition reader all kinds share. */
    private static ExpositionLines.Line sample(String line) throws Json.BadResponse {
        try {
            return ExpositionLines.parse(line);
        } catch (IllegalArgumentException e) {
            throw new Json.BadResponse("metrics page: " + e.getMessage() + " in line " + abbreviate(line));
        }
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
