package dev.vigil.probe;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts every server certificate. Only for connections whose certificate is not what is being judged: a VIP
 * reachability check, or a kubelet with a self-signed certificate when the user sets {@code tls_insecure_skip_verify}.
 */
public final class AcceptAnyCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
