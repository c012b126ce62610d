package dev.vigil.tls;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Accepts every server chain and keeps a copy of it. The verdict is computed afterwards by {@link ChainInspector}, so
 * a handshake never aborts on an expired or untrusted certificate and every outcome still has the chain. One instance
 * per handshake (fresh context per probe).
 */
final class RecordingTrustManager extends X509ExtendedTrustManager {
    private volatile List<X509Certificate> chain = List.of();

    List<X509Certificate> chain() {
        return chain;
    }

    private void record(X509Certificate[] presented) {
        List<X509Certificate> copy = new ArrayList<>(presented == null ? 0 : presented.length);
        if (presented != null) {
            try {
                // re-parse: BoringSSL hands out lazily decoded wrappers tied to the engine
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                for (X509Certificate c : presented) {
                    copy.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(c.getEncoded())));
                }
            } catch (CertificateException e) {
                copy.clear();
                copy.addAll(List.of(presented));
            }
        }
        chain = List.copyOf(copy);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        record(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        record(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
        record(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
