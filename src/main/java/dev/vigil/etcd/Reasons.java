package dev.vigil.etcd;

/** The bounded {@code reason} values of kind {@code etcd} (documented in README.md). */
final class Reasons {
    private Reasons() {
    }

    static final String TLS_HANDSHAKE = "tls_handshake";
    static final String AUTH_REJECTED = "auth_rejected";
    static final String TIMEOUT = "timeout";
    static final String CONNECTION_REFUSED = "connection_refused";
    static final String BAD_RESPONSE = "bad_response";
    static final String NO_LEADER = "no_leader";
    static final String QUORUM_LOST = "quorum_lost";
    static final String UNHEALTHY = "unhealthy";
}
