package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import dev.vigil.probe.ExpositionLines;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * What comes before an etcd outage, as one member's {@code /metrics} shows it: disk latency (WAL fsync, backend
 * commit), peer round trips and send failures, proposals and the raft apply position, slow applies and read indexes,
 * heartbeat send failures, and the gRPC requests it failed. Read in the same streaming pass as {@link MetricsPage}.
 *
 * <p>Bounded: histograms of at most {@link Histogram#MAX_BUCKETS} bounds; per-peer series only for peers that
 * {@link MetricsPage} admits (at most {@link MetricsPage#MAX_PEERS}); gRPC counts folded into one total and the
 * {@link #GRPC_FAILURE_CODES} (no method labels); gRPC latency folded into one histogram of unary requests.
 *
 * @param proposals {@code committed}, {@code applied}, {@code failed}, {@code pending}: etcd's
 *                  {@code etcd_server_proposals_*} (committed and applied are the raft indexes, gauges in etcd)
 * @param grpcRequests  unary requests handled, every code (absent: the page has no gRPC series)
 * @param grpcFailures  unary requests handled with each of {@link #GRPC_FAILURE_CODES}
 * @param grpcHandling  latency of unary requests, only with {@code --metrics=extensive}
 */
record MemberSignals(Histogram walFsync, Histogram backendCommit, Map<String, Histogram> peerRoundTrip,
                     Map<String, Double> peerSentFailures, Map<String, Double> proposals, OptionalDouble slowApplies,
                     OptionalDouble slowReadIndexes, OptionalDouble heartbeatSendFailures, OptionalDouble grpcRequests,
                     Map<String, Double> grpcFailures, Histogram grpcHandling) {
    static final String WAL_FSYNC = "etcd_disk_wal_fsync_duration_seconds";
    static final String BACKEND_COMMIT = "etcd_disk_backend_commit_duration_seconds";
    static final String PEER_RTT = "etcd_network_peer_round_trip_time_seconds";
    static final String GRPC_HANDLED = "grpc_server_handled_total";
    static final String GRPC_HANDLING = "grpc_server_handling_seconds";
    /**
     * Codes that mean the server failed the request, not that the client asked for something wrong (NotFound,
     * InvalidArgument, a compare that failed) or went away (Canceled): the etcd mixin's set for
     * {@code etcdHighNumberOfFailedGRPCRequests}.
     */
    static final List<String> GRPC_FAILURE_CODES = List.of("DataLoss", "DeadlineExceeded", "FailedPrecondition",
        "Internal", "ResourceExhausted", "Unavailable", "Unknown");
    static final MemberSignals NONE = new MemberSignals(Histogram.NONE, Histogram.NONE, Map.of(), Map.of(), Map.of(),
        OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), Map.of(),
        Histogram.NONE);

    MemberSignals {
        peerRoundTrip = Collections.unmodifiableMap(new TreeMap<>(peerRoundTrip));
        peerSentFailures = Collections.unmodifiableMap(new TreeMap<>(peerSentFailures));
        proposals = Map.copyOf(proposals);
        grpcFailures = Collections.unmodifiableMap(new TreeMap<>(grpcFailures));
    }

    OptionalDouble proposal(String which) {
        Double v = proposals.get(which);
        return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** Entries committed but not applied yet; etcd refuses new requests beyond 5000 ("too many requests"). */
    OptionalDouble applyLag() {
        OptionalDouble c = proposal("committed");
        OptionalDouble a = proposal("applied");
        return c.isPresent() && a.isPresent() ? OptionalDouble.of(Math.max(0, c.getAsDouble() - a.getAsDouble()))
            : OptionalDouble.empty();
    }

    /** Is {@code name} one of the families these signals read? Cheap: called for every line of the page. */
    static boolean wanted(String name) {
        return name.startsWith("etcd_disk_") || name.startsWith("etcd_server_") || name.startsWith(PEER_RTT)
            || name.equals("etcd_network_peer_sent_failures_total") || name.startsWith("grpc_server_handl");
    }

    /** Accumulates the wanted lines; peers come from {@link MetricsPage.Parser}, which bounds them. */
    static final class Collector {
        private final Histogram.Builder wal = new Histogram.Builder();
        private final Histogram.Builder commit = new Histogram.Builder();
        private final Histogram.Builder grpcLatency = new Histogram.Builder();
        private final Map<String, Histogram.Builder> rtt = new TreeMap<>();
        private final Map<String, Double> sentFailures = new TreeMap<>();
        private final Map<String, Double> proposals = new TreeMap<>();
        private final Map<String, Double> grpcFailures = new TreeMap<>();
        private final Map<String, Double> counters = new TreeMap<>();
        private double grpcRequests;
        private boolean sawGrpc;

        /**
         * One line of a {@link #wanted} family, not parsed yet: lines of no interest stay unparsed. Per-peer series
         * go through {@code peerOf}, which bounds the peers.
         */
        void line(String name, String line, Parse parse, PeerOf peerOf) throws BadResponse {
            switch (name) {
                case WAL_FSYNC + "_bucket" -> bucket(wal, parse.parse(line));
                case WAL_FSYNC + "_sum" -> wal.sum(parse.parse(line).value());
                case WAL_FSYNC + "_count" -> wal.count(parse.parse(line).value());
                case BACKEND_COMMIT + "_bucket" -> bucket(commit, parse.parse(line));
                case BACKEND_COMMIT + "_sum" -> commit.sum(parse.parse(line).value());
                case BACKEND_COMMIT + "_count" -> commit.count(parse.parse(line).value());
                case PEER_RTT + "_bucket", PEER_RTT + "_sum", PEER_RTT + "_count" -> {
                    ExpositionLines.Line l = parse.parse(line);
                    String peer = peerOf.peer(l.labels().get("To"));
                    if (peer == null) {
                        return;
                    }
                    Histogram.Builder b = rtt.computeIfAbsent(peer, p -> new Histogram.Builder());
                    if (name.endsWith("_bucket")) {
                        bucket(b, l);
                    } else if (name.endsWith("_sum")) {
                        b.sum(l.value());
                    } else {
                        b.count(l.value());
                    }
                }
                case "etcd_network_peer_sent_failures_total" -> {
                    ExpositionLines.Line l = parse.parse(line);
                    String peer = peerOf.peer(l.labels().get("To"));
                    if (peer != null) {
                        sentFailures.merge(peer, l.value(), Double::sum);
                    }
                }
                case "etcd_server_proposals_committed_total" -> proposals.put("committed", parse.parse(line).value());
                case "etcd_server_proposals_applied_total" -> proposals.put("applied", parse.parse(line).value());
                case "etcd_server_proposals_failed_total" -> proposals.put("failed", parse.parse(line).value());
                case "etcd_server_proposals_pending" -> proposals.put("pending", parse.parse(line).value());
                case "etcd_server_slow_apply_total", "etcd_server_slow_read_indexes_total",
                     "etcd_server_heartbeat_send_failures_total" -> counters.put(name, parse.parse(line).value());
                case GRPC_HANDLED -> grpcHandled(line, parse);
                case GRPC_HANDLING + "_bucket" -> {
                    if (unary(line)) {
                        bucket(grpcLatency, parse.parse(line));
                    }
                }
                case GRPC_HANDLING + "_sum" -> {
                    if (unary(line)) {
                        grpcLatency.sum(parse.parse(line).value());
                    }
                }
                case GRPC_HANDLING + "_count" -> {
                    if (unary(line)) {
                        grpcLatency.count(parse.parse(line).value());
                    }
                }
                default -> {
                }
            }
        }

        /**
         * 800-odd lines on a 3.4 page, nearly all 0: a zero adds nothing to a sum, so it is skipped unparsed. Only
         * unary requests count: a watch or lease keep-alive stream ends with Unavailable whenever its client goes
         * away, and Defragment is slow by design.
         */
        private void grpcHandled(String line, Parse parse) throws BadResponse {
            sawGrpc = true;
            if (line.endsWith(" 0") || !unary(line) || line.contains("grpc_method=\"Defragment\"")) {
                return;
            }
            ExpositionLines.Line l = parse.parse(line);
            grpcRequests += l.value();
            String code = l.labels().getOrDefault("grpc_code", "");
            if (GRPC_FAILURE_CODES.contains(code)) {
                grpcFailures.merge(code, l.value(), Double::sum);
            }
        }

        private static boolean unary(String line) {
            return line.contains("grpc_type=\"unary\"") && !line.contains("grpc_method=\"Defragment\"");
        }

        private static void bucket(Histogram.Builder b, ExpositionLines.Line l) throws BadResponse {
            String le = l.labels().get("le");
            if (le == null) {
                throw new BadResponse("metrics page: a histogram bucket without le");
            }
            b.bucket(le, l.value());
        }

        MemberSignals finish() {
            Map<String, Histogram> peers = new TreeMap<>();
            rtt.forEach((peer, b) -> peers.put(peer, b.build()));
            Map<String, Double> failures = new TreeMap<>();
            if (sawGrpc) {
                GRPC_FAILURE_CODES.forEach(c -> failures.put(c, grpcFailures.getOrDefault(c, 0.0)));
            }
            return new MemberSignals(wal.build(), commit.build(), peers, sentFailures, proposals,
                opt(counters.get("etcd_server_slow_apply_total")), opt(counters.get("etcd_server_slow_read_indexes_total")),
                opt(counters.get("etcd_server_heartbeat_send_failures_total")),
                sawGrpc ? OptionalDouble.of(grpcRequests) : OptionalDouble.empty(), failures, grpcLatency.build());
        }

        private static OptionalDouble opt(Double v) {
            return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
        }
    }

    /** Parses a sample line of a wanted family (the page's parser, with its error messages). */
    interface Parse {
        ExpositionLines.Line parse(String line) throws BadResponse;
    }

    /** Admits a peer id under {@link MetricsPage}'s bound; null for no peer. */
    interface PeerOf {
        String peer(String id) throws BadResponse;
    }
}
