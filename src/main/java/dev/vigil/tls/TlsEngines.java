package dev.vigil.tls;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Client engines with a fresh context per handshake (no session cache, so a rotated certificate is always seen):
 * BoringSSL through netty-tcnative when its native library loads, else the JDK's own engine.
 */
final class TlsEngines {
    static final String AUTO = "auto";
    static final String BORINGSSL = "boringssl";
    static final String JDK = "jdk";
    static final List<String> PROVIDERS = List.of(AUTO, BORINGSSL, JDK);
    /** Longest chain accepted from a server (BoringSSL); the JDK has its own limit, jdk.tls.maxCertificateChainLength. */
    static final int MAX_CHAIN_DEPTH = 64;

    private TlsEngines() {
    }

    /** An engine and what must be released with it. */
    record Handle(SSLEngine engine, String provider, SslContext nettyContext) implements AutoCloseable {
        @Override
        public void close() {
            ReferenceCountUtil.release(engine);
            if (nettyContext != null) {
                ReferenceCountUtil.release(nettyContext);
            }
        }
    }

    static boolean boringSslAvailable() {
        try {
            return OpenSsl.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    static String resolve(String provider) {
        if (AUTO.equals(provider)) {
            return boringSslAvailable() ? BORINGSSL : JDK;
        }
        return provider;
    }

    /**
     * @param peerHost the name sent as SNI (the configured server_name, or the target host: IP literals send none)
     */
    static Handle create(String provider, String peerHost, int port, boolean sendSni, RecordingTrustManager trust,
                         ClientKeyManager keys) throws GeneralSecurityException {
        String p = resolve(provider);
        if (BORINGSSL.equals(p)) {
            if (!boringSslAvailable()) {
                throw new GeneralSecurityException("BoringSSL (netty-tcnative) is not available on this platform");
            }
            SslContext ctx;
            try {
                ctx = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.OPENSSL)
                    .trustManager(trust)
                    .keyManager(keys)
                    .endpointIdentificationAlgorithm(null)
                    .sessionCacheSize(1)
                    .build();
            } catch (javax.net.ssl.SSLException e) {
                throw new GeneralSecurityException(e.getMessage(), e);
            }
            SSLEngine engine = sendSni ? ctx.newEngine(UnpooledByteBufAllocator.DEFAULT, peerHost, port)
                : ctx.newEngine(UnpooledByteBufAllocator.DEFAULT);
            if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
                // netty caps the chain handed to the trust manager at 10; vigil judges long chains itself
                openSsl.setVerify(0, MAX_CHAIN_DEPTH);
            }
            return new Handle(engine, BORINGSSL, ctx);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[] {keys}, new javax.net.ssl.TrustManager[] {trust}, null);
        ctx.getClientSessionContext().setSessionCacheSize(1);
        SSLEngine engine = sendSni ? ctx.createSSLEngine(peerHost, port) : ctx.createSSLEngine();
        engine.setUseClientMode(true);
        if (sendSni && ChainInspector.isIpLiteral(peerHost)) {
            // the JDK sends no SNI for IP literals; RFC 6066 forbids them anyway
        } else if (sendSni) {
            SSLParameters params = engine.getSSLParameters();
            try {
                params.setServerNames(List.of(new SNIHostName(peerHost)));
                engine.setSSLParameters(params);
            } catch (IllegalArgumentException e) {
                // not a valid host name for SNI: send none
            }
        }
        return new Handle(engine, JDK, null);
    }
}
