package dev.vigil.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An in-process server on a loopback port that plays a script on every connection: a plain-text dialect before TLS,
 * or misbehaviour (silence, garbage, resets, trickling). Only for what real servers will not do on demand.
 */
final class ScriptedServer implements AutoCloseable {
    interface Script {
        void play(Socket socket, ScriptedServer server) throws Exception;
    }

    private final ServerSocket listener;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private SSLContext tls;

    ScriptedServer(Script script) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    accepted.add(s);
                    Thread t = new Thread(() -> {
                        try {
                            script.play(s, this);
                        } catch (Exception e) {
                            if (!listener.isClosed()) {
                                failures.add(e);
                            }
                        }
                    }, "scripted-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "scripted-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Serve TLS with this certificate chain after the plain-text part. */
    ScriptedServer tls(TestPki.Issued leaf, TestPki.Issued... chain) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        X509Certificate[] certs = new X509Certificate[chain.length + 1];
        certs[0] = leaf.cert();
        for (int i = 0; i < chain.length; i++) {
            certs[i + 1] = chain[i].cert();
        }
        ks.setKeyEntry("leaf", leaf.keys().getPrivate(), "x".toCharArray(), certs);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "x".toCharArray());
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        return this;
    }

    /** Upgrades the connection (server side) and completes the handshake. */
    SSLSocket upgrade(Socket plain) throws IOException {
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
        s.setUseClientMode(false);
        s.startHandshake();
        return s;
    }

    int port() {
        return listener.getLocalPort();
    }

    List<Throwable> failures() {
        return failures;
    }

    static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : accepted) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
