package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import dev.vigil.probe.ExpositionLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;

/**
 * The facts vigil reads from the {@code /metrics} page of one etcd member (Prometheus text format 0.0.4). A small
 * streaming parser: it reads at most {@link #MAX_BYTES}, skips every series it does not need without parsing it, and
 * keeps only the handful below and the {@link MemberSignals} (a few histograms and counters), so a 150 KB page costs
 * a few KB of memory. Besides {@code etcd_} series it reads gRPC's {@code grpc_server_handled_total} and
 * {@code grpc_server_handling_seconds}, the only foreign families etcd serves that vigil needs.
 *
 * <p>The member's own view of its cluster comes from its per-peer series: every peer it has a transport to shows up
 * as {@code Remote} of {@code etcd_network_active_peers} and {@code etcd_network_disconnected_peers_total}, as
 * {@code To} of the round-trip, sent-bytes and sent-failure series, or as {@code From} of the received-bytes series.
 * {@code peers} is their union (at most {@link #MAX_PEERS}); {@code activePeers} those with an active connection now.
 */
record MetricsPage(OptionalDouble hasLeader, OptionalDouble isLeader, OptionalDouble isLearner,
                   OptionalDouble leaderChangesSeen, OptionalDouble dbSize, OptionalDouble dbSizeInUse,
                   OptionalDouble quotaBytes, int activePeers, Set<String> peers, String serverId, String version,
                   String clusterVersion, MemberSignals signals) {
    static final int MAX_BYTES = 8 << 20;
    static final int MAX_LINE = 64 << 10;
    /** etcd advises at most 7 voting members; more peer ids than this on one page is not a cluster vigil judges. */
    static final int MAX_PEERS = 128;

    MetricsPage {
        peers = Set.copyOf(peers);
    }

    /** Voting members as this member sees them: itself and every peer it knows. */
    int clusterMembers() {
        return 1 + peers.size();
    }

    /** Members this one can reach now: itself and the peers it has an active connection to. */
    int membersReachable() {
        return 1 + activePeers;
    }

    /** The quorum of {@link #clusterMembers()}: more than half of the voting members. */
    int quorumSize() {
        return clusterMembers() / 2 + 1;
    }

    /**
     * Quorum as far as this member can tell: it knows a leader and reaches a quorum of the members it knows. A member
     * cut off from the others says 0 while the majority carries on, so the cluster verdict takes the best view.
     */
    boolean quorumOk() {
        return hasLeader.orElse(0) > 0 && membersReachable() >= quorumSize();
    }

    /** Parses a whole page from a stream (tests, files); the agent feeds {@link Parser} as the body arrives. */
    static MetricsPage parse(InputStream in) throws IOException, BadResponse {
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
        private final Set<String> peers = new TreeSet<>();
        private final Set<String> active = new TreeSet<>();
        private String serverId = "";
        private String version = "";
        private String clusterVersion = "";
        private boolean sawEtcd;
        private final MemberSignals.Collector signals = new MemberSignals.Collector();

        void feed(byte[] buf, int off, int len) throws BadResponse {
            total += len;
            if (total > MAX_BYTES) {
                throw new BadResponse("metrics page larger than " + (MAX_BYTES >> 20) + " MiB");
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

        private void append(byte[] buf, int off, int len) throws BadResponse {
            if (line.size() + len > MAX_LINE) {
                throw new BadResponse("metrics page has a line longer than " + (MAX_LINE >> 10) + " KiB");
            }
            line.write(buf, off, len);
        }

        private void line(String line) throws BadResponse {
            if (line.isEmpty() || line.charAt(0) == '#') {
                return;
            }
            int nameEnd = 0;
            while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
                nameEnd++;
            }
            String name = line.substring(0, nameEnd);
            boolean etcd = name.startsWith("etcd_");
            if (!etcd && !name.startsWith("grpc_server_handl")) {
                return;
            }
            sawEtcd |= etcd;
            if (MemberSignals.wanted(name)) {
                signals.line(name, line, MetricsPage::sample, this::peer);
            }
            switch (name) {
                case "etcd_server_has_leader", "etcd_server_is_leader", "etcd_server_is_learner",
                     "etcd_server_leader_changes_seen_total", "etcd_mvcc_db_total_size_in_bytes",
                     "etcd_debugging_mvcc_db_total_size_in_bytes", "etcd_mvcc_db_total_size_in_use_in_bytes",
                     "etcd_server_quota_backend_bytes" -> values.put(name, sample(line).value());
                case "etcd_network_active_peers" -> {
                    ExpositionLines.Line l = sample(line);
                    String remote = peer(l.labels().get("Remote"));
                    if (remote != null && l.value() > 0) {
                        active.add(remote);
                    }
                }
                case "etcd_network_disconnected_peers_total" -> peer(sample(line).labels().get("Remote"));
                case "etcd_network_peer_round_trip_time_seconds_count", "etcd_network_peer_sent_bytes_total",
                     "etcd_network_peer_sent_failures_total" -> peer(sample(line).labels().get("To"));
                case "etcd_network_peer_received_bytes_total" -> peer(sample(line).labels().get("From"));
                case "etcd_server_id" -> serverId = sample(line).labels().getOrDefault("server_id", "");
                case "etcd_server_version" -> version = sample(line).labels().getOrDefault("server_version", "");
                case "etcd_cluster_version" -> clusterVersion = sample(line).labels().getOrDefault("cluster_version", "");
                default -> {
                }
            }
        }

        /** Records a peer id (16 hex digits; "0" is etcd's placeholder for a sender not yet known). */
        private String peer(String id) throws BadResponse {
            if (id == null || id.isEmpty() || id.equals("0")) {
                return null;
            }
            if (peers.add(id) && peers.size() > MAX_PEERS) {
                throw new BadResponse("metrics page names more than " + MAX_PEERS + " peers");
            }
            return id;
        }

        MetricsPage finish() throws BadResponse {
            if (line.size() > 0) {
                line(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            if (!sawEtcd) {
                throw new BadResponse("no etcd_ series on the metrics page: is this an etcd member?");
            }
            OptionalDouble dbSize = opt(values, "etcd_mvcc_db_total_size_in_bytes");
            if (dbSize.isEmpty()) {
                dbSize = opt(values, "etcd_debugging_mvcc_db_total_size_in_bytes");
            }
            return new MetricsPage(opt(values, "etcd_server_has_leader"), opt(values, "etcd_server_is_leader"),
                opt(values, "etcd_server_is_learner"), opt(values, "etcd_server_leader_changes_seen_total"), dbSize,
                opt(values, "etcd_mvcc_db_total_size_in_use_in_bytes"), opt(values, "etcd_server_quota_backend_bytes"),
                active.size(), peers, serverId, version, clusterVersion, signals.finish());
        }
    }

    private static OptionalDouble opt(Map<String, Double> values, String name) {
        Double v = values.get(name);
        return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** A sample line of a family the page keeps, parsed by the exposition reader all kinds share. */
    private static ExpositionLines.Line sample(String line) throws BadResponse {
        try {
            return ExpositionLines.parse(line);
        } catch (IllegalArgumentException e) {
            throw new BadResponse("metrics page: " + e.getMessage() + " in line " + abbreviate(line));
        }
    }

    private static String abbreviate(String line) {
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }
}
