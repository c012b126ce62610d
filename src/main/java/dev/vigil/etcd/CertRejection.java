package dev.vigil.etcd;

import dev.vigil.net.Dialer;
import dev.vigil.net.IpFamily;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Tells a refused client certificate from other lost connections. With TLS 1.3 the server checks the client's
 * certificate after the client has finished its handshake and sent its request; the server's alert then races the
 * connection reset, and the HTTP client mostly sees only "Connection reset". A bare handshake that sends nothing and
 * then reads receives the alert itself.
 */
final class CertRejection {
    private CertRejection() {
    }

    /**
     * The TLS alert the server sends about our certificate, if it sends one within {@code timeout}; the endpoint's
     * first address of {@code family} is asked, as the requests do.
     */
    static Optional<String> alert(SSLContext context, URI endpoint, IpFamily family, Duration timeout) {
        int ms = (int) Math.max(1, timeout.toMillis());
        String host = endpoint.getHost().startsWith("[") ? endpoint.getHost().substring(1, endpoint.getHost().length() - 1)
            : endpoint.getHost();
        InetAddress address;
        try {
            address = Dialer.resolve(host, family, Deadline.after(timeout), Dialer.SYSTEM).get(0);
        } catch (ProbeFailure e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(address, endpoint.getPort()), ms);
            s.setSoTimeout(ms);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            s.setSSLParameters(p);
            s.startHandshake();
            s.getInputStream().read();
            return Optional.empty();
        } catch (SocketTimeoutException e) {
            return Optional.empty(); // the server waits for a request: it accepted the certificate
        } catch (SSLException e) {
            return Optional.ofNullable(dev.vigil.net.BoundedHttp.rejectedAlert(e));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
