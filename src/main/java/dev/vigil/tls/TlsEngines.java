package dev.vigil.tls;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Client engines that never resume a session, so every handshake is a full one and a rotated certificate is always
 * seen: BoringSSL through netty-tcnative when its native library loads, else the JDK's own engine.
 *
 * <p>BoringSSL targets without a client certificate share one native context whose session cache is switched off
 * (building a context costs about as much as verifying a chain); the chain and the client-certificate request of
 * each handshake still go to that handshake's own {@link RecordingTrustManager} and {@link ClientKeyManager}, found
 * by engine. Targets with a client certificate, and the JDK engine, get a fresh context per handshake.
 */
final class TlsEngines {
    static final String AUTO = "auto";
    static final String BORINGSSL = "boringssl";
    static final String JDK = "jdk";
    static final List<String> PROVIDERS = List.of(AUTO, BORINGSSL, JDK);
    /** Longest chain accepted from a server (BoringSSL); the JDK has its own limit, jdk.tls.maxCertificateChainLength. */
    static final int MAX_CHAIN_DEPTH = 64;

    /**
     * Key exchange groups offered: the classical ones. netty's default list starts with the hybrid X25519MLKEM768, and
     * BoringSSL then sends a post-quantum key share beside the classical one in every ClientHello: an ML-KEM key
     * generation per handshake (about a tenth of a probe's CPU) that only matters for the key exchange, never for the
     * certificates a probe judges. Every TLS 1.3 server supports X25519 or P-256.
     */
    static final String[] GROUPS = {"X25519", "P-256", "P-384", "P-521"};

    private static volatile SslContext shared;

    private TlsEngines() {
    }

    /** An engine and what must be released with it. */
    record Handle(SSLEngine engine, String provider, SslContext ownContext) implements AutoCloseable {
        @Override
        public void close() {
            Dispatch.handshakes.remove(engine);
            ReferenceCountUtil.release(engine);
            if (ownContext != null) {
                ReferenceCountUtil.release(ownContext);
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
            SslContext own = keys.hasIdentity() ? boringSsl(trust, keys) : null;
            SslContext ctx = own != null ? own : sharedContext();
            SSLEngine engine;
            try {
                engine = sendSni ? ctx.newEngine(UnpooledByteBufAllocator.DEFAULT, peerHost, port)
                    : ctx.newEngine(UnpooledByteBufAllocator.DEFAULT);
            } catch (RuntimeException e) {
                if (own != null) {
                    ReferenceCountUtil.release(own);
                }
                throw e;
            }
            Handle handle = new Handle(engine, BORINGSSL, own);
            try {
                if (own == null) {
                    Dispatch.handshakes.put(engine, new Recorders(trust, keys));
                }
                if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
                    // netty caps the chain handed to the trust manager at 10; vigil judges long chains itself
                    openSsl.setVerify(0, MAX_CHAIN_DEPTH);
                    // a probe never resumes: ask for no session ticket (servers that honour it skip making one)
                    io.netty.internal.tcnative.SSL.setOptions(openSsl.sslPointer(),
                        io.netty.internal.tcnative.SSL.SSL_OP_NO_TICKET);
                }
            } catch (RuntimeException e) {
                handle.close();
                throw e;
            }
            return handle;
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

    private static SslContext sharedContext() throws GeneralSecurityException {
        SslContext ctx = shared;
        if (ctx == null) {
            synchronized (TlsEngines.class) {
                ctx = shared;
                if (ctx == null) {
                    ctx = boringSsl(Dispatch.TRUST, Dispatch.KEYS);
                    // no session is ever stored, so none is ever offered for resumption
                    ((OpenSslSessionContext) ctx.sessionContext()).setSessionCacheEnabled(false);
                    shared = ctx;
                }
            }
        }
        return ctx;
    }

    private static SslContext boringSsl(X509ExtendedTrustManager trust, X509ExtendedKeyManager keys)
        throws GeneralSecurityException {
        try {
            return SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .trustManager(trust)
                .keyManager(keys)
                .endpointIdentificationAlgorithm(null)
                .sessionCacheSize(1)
                .option(OpenSslContextOption.GROUPS, GROUPS)
                .build();
        } catch (javax.net.ssl.SSLException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private record Recorders(RecordingTrustManager trust, ClientKeyManager keys) {
    }

    /** The shared context's managers: each call goes to the managers registered for its engine. */
    private static final class Dispatch {
        static final Map<SSLEngine, Recorders> handshakes = new ConcurrentHashMap<>();

        static Recorders of(SSLEngine engine) throws CertificateException {
            Recorders r = engine == null ? null : handshakes.get(engine);
            if (r == null) {
                throw new CertificateException("no handshake registered for this engine");
            }
            return r;
        }

        static final X509ExtendedTrustManager TRUST = new ServerTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
                of(engine).trust().checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
                throw new CertificateException("engine-based handshakes only");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("engine-based handshakes only");
            }
        };

        /**
         * Presents no certificate (the shared context serves targets without one); the request for one is noted by
         * the handshake's own key manager.
         */
        static final X509ExtendedKeyManager KEYS = new ClientKeyManager(null) {
            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                Recorders r = handshakes.get(engine);
                return r == null ? null : r.keys().chooseEngineClientAlias(keyType, issuers, engine);
            }
        };
    }
}
