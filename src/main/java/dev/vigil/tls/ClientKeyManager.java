package dev.vigil.tls;

import dev.vigil.pki.ClientIdentity;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the configured client certificate (if any) and notes whether the server asked for one: in TLS 1.3 a
 * server rejects a missing or bad client certificate only after the client has finished its handshake.
 */
class ClientKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";
    private final ClientIdentity identity;
    private volatile boolean requested;

    ClientKeyManager(ClientIdentity identity) {
        this.identity = identity;
    }

    boolean requested() {
        return requested;
    }

    /** Whether a client certificate is configured (a context presenting one is not shared). */
    boolean hasIdentity() {
        return identity != null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        requested = true;
        return identity == null ? null : ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        requested = true;
        return identity == null ? null : ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return identity == null ? null : new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return identity == null || !ALIAS.equals(alias) ? null : identity.chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return identity == null || !ALIAS.equals(alias) ? null : identity.key();
    }
}
