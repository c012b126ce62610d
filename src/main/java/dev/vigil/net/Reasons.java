package dev.vigil.net;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code reason} values every kind that connects shares, with their meaning: one word for one failure whichever
 * kind saw it, so an alert or a dashboard written on {@code reason="connect_refused"} works for tcp, tls, etcd,
 * cAdvisor and clickhouse-backup alike. Each kind's own reasons stay with the kind. Documented in the probe
 * reference ({@code src/main/java/dev/vigil/probe/README.md}, "Common reasons"), from {@link #COMMON}.
 */
public final class Reasons {
    private Reasons() {
    }

    public static final String DNS = "dns";
    public static final String CONNECT_REFUSED = "connect_refused";
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    public static final String CONNECT_UNREACHABLE = "connect_unreachable";
    public static final String CONNECT_FAILED = "connect_failed";
    public static final String HANDSHAKE_FAILED = "handshake_failed";
    public static final String HANDSHAKE_TIMEOUT = "handshake_timeout";
    public static final String PROTOCOL_ERROR = "protocol_error";
    public static final String AUTH_REJECTED = "auth_rejected";
    public static final String CA_FILE_ERROR = "ca_file_error";
    public static final String CLIENT_CERT_ERROR = "client_cert_error";
    public static final String TIMEOUT = "timeout";
    public static final String HTTP_STATUS = "http_status";
    public static final String BAD_RESPONSE = "bad_response";
    public static final String TOO_LARGE = "too_large";

    /** Every common reason and what it means, in the order the probe reference lists them. */
    public static final Map<String, String> COMMON = common();

    private static Map<String, String> common() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(DNS, "the host name does not resolve (or not within the timeout), or has no address of the asked ip_family");
        m.put(CONNECT_REFUSED, "the address answered the connection with a reset: nothing listens on the port");
        m.put(CONNECT_TIMEOUT, "no answer to the connection attempt within the timeout (a firewall dropping, a host down)");
        m.put(CONNECT_UNREACHABLE, "no route to the address");
        m.put(CONNECT_FAILED, "the connection failed in another way");
        m.put(HANDSHAKE_FAILED, "the TLS handshake failed: certificate not trusted for an HTTP client, alert from the"
            + " server, connection closed during the handshake");
        m.put(HANDSHAKE_TIMEOUT, "the TLS handshake did not complete within the timeout");
        m.put(PROTOCOL_ERROR, "the peer does not speak TLS (or the expected STARTTLS dialect) on this port");
        m.put(AUTH_REJECTED, "the server refused our credentials: client certificate, bearer token or password");
        m.put(CA_FILE_ERROR, "the configured ca_file cannot be read or holds no certificate");
        m.put(CLIENT_CERT_ERROR, "the configured client certificate or key cannot be read");
        m.put(TIMEOUT, "no complete answer within the timeout (headers or body)");
        m.put(HTTP_STATUS, "an HTTP status other than the expected one");
        m.put(BAD_RESPONSE, "an answer that is not what the component sends (malformed, cut off, unexpected shape)");
        m.put(TOO_LARGE, "an answer larger than the byte limit");
        return java.util.Collections.unmodifiableMap(m);
    }
}
