package dev.vigil.tls;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLEngine;

/**
 * Accepts every server chain and keeps a copy of it. The verdict is computed afterwards by {@link ChainInspector}, so
 * a handshake never aborts on an expired or untrusted certificate and every outcome still has the chain. One instance
 * per handshake, reached through the engine when the context is shared ({@link TlsEngines}).
 */
final class RecordingTrustManager extends ServerTrustManager {
    private volatile List<X509Certificate> chain = List.of();

    List<X509Certificate> chain() {
        return chain;
    }

    private void record(X509Certificate[] presented) {
        List<X509Certificate> copy = new ArrayList<>(presented == null ? 0 : presented.length);
        if (presented != null) {
            try {
                for (X509Certificate c : presented) {
                    copy.add(parsed(c.getEncoded()));
                }
            } catch (CertificateException e) {
                copy.clear();
                copy.addAll(List.of(presented));
            }
        }
        chain = List.copyOf(copy);
    }

    private static final int CACHE_SIZE = 8192;
    /**
     * Decoded certificates by their bytes: servers present the same chain at every run, and decoding is the costly
     * part of taking a copy (BoringSSL hands out lazily decoded wrappers tied to the engine). The same bytes always
     * give the same object, which the verdict and label caches then find by a cheap comparison.
     */
    private static final Map<ByteBuffer, X509Certificate> DECODED = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteBuffer, X509Certificate> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    static X509Certificate parsed(byte[] der) throws CertificateException {
        ByteBuffer key = ByteBuffer.wrap(der);
        synchronized (DECODED) {
            X509Certificate known = DECODED.get(key);
            if (known != null) {
                return known;
            }
        }
        X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(der));
        synchronized (DECODED) {
            DECODED.put(key, c);
        }
        return c;
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
}
