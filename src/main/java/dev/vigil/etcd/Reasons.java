package dev.vigil.etcd;

/**
 * The bounded {@code reason} values of kind {@code etcd} (documented in this package's README.md): the common ones of the net layer
 * ({@link dev.vigil.net.Reasons}) and etcd's own verdicts.
 */
final class Reasons {
    private Reasons() {
    }

    static final String HANDSHAKE_FAILED = dev.vigil.net.Reasons.HANDSHAKE_FAILED;
    static final String AUTH_REJECTED = dev.vigil.net.Reasons.AUTH_REJECTED;
    static final String TIMEOUT = dev.vigil.net.Reasons.TIMEOUT;
    static final String CONNECT_REFUSED = dev.vigil.net.Reasons.CONNECT_REFUSED;
    static final String BAD_RESPONSE = dev.vigil.net.Reasons.BAD_RESPONSE;
    static final String NO_LEADER = "no_leader";
    static final String QUORUM_LOST = "quorum_lost";
    static final String UNHEALTHY = "unhealthy";
}
