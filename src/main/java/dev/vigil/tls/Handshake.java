package dev.vigil.tls;

import dev.vigil.net.Reasons;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * Drives a client {@link SSLEngine} over a blocking socket channel (after any STARTTLS exchange), which the caller's
 * alarm closes at the deadline: the same loop serves BoringSSL and the JDK engine. Reasons: {@code handshake_timeout},
 * {@code handshake_failed}, {@code protocol_error} (the peer does not speak TLS).
 */
final class Handshake {
    /** How long to wait, after a TLS 1.3 handshake in which the server asked for a client certificate, for its verdict. */
    static final Duration CLIENT_CERT_VERDICT_WAIT = Duration.ofMillis(250);
    /** A TLS record is at most 16 KiB + overhead; a certificate chain spans several. */
    private static final int MAX_NET_BUFFER = 1 << 20;

    private final SSLEngine engine;
    private final SocketChannel channel;
    private final Socket socket;
    private final Deadline deadline;
    private ByteBuffer netIn;
    private ByteBuffer netOut;
    private ByteBuffer appIn;
    private long received;
    private boolean sawTlsRecord;

    record Outcome(String protocol, String cipher) {
    }

    /**
     * @param channel a connected channel in blocking mode, closed by the caller's alarm at the deadline: reads and
     *                writes block in the kernel (one system call each) instead of polling
     */
    Handshake(SSLEngine engine, SocketChannel channel, Deadline deadline) {
        this.engine = engine;
        this.channel = channel;
        this.socket = channel.socket();
        this.deadline = deadline;
        SSLSession s = engine.getSession();
        Buffers reused = BUFFERS.get();
        netIn = reused.take(0, s.getPacketBufferSize());
        netOut = reused.take(1, s.getPacketBufferSize());
        appIn = reused.take(2, s.getApplicationBufferSize());
    }

    /**
     * Each probe thread keeps its three handshake buffers (about 50 KiB) for the next handshake instead of allocating
     * them again; a buffer grown past {@link #KEPT_BUFFER} for a long chain is dropped when done. They are direct:
     * BoringSSL reads and writes direct buffers in place, where a heap buffer costs a native allocation and a copy at
     * every wrap and unwrap. The channel reads into and writes from them directly.
     */
    private static final int KEPT_BUFFER = 64 * 1024;
    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    private static final class Buffers {
        private final ByteBuffer[] kept = new ByteBuffer[3];

        ByteBuffer take(int slot, int size) {
            ByteBuffer b = kept[slot];
            kept[slot] = null;
            if (b == null || b.capacity() < size) {
                return ByteBuffer.allocateDirect(size);
            }
            b.clear();
            return b;
        }

        void give(int slot, ByteBuffer b) {
            if (b != null && b.capacity() <= KEPT_BUFFER) {
                kept[slot] = b;
            }
        }
    }

    /** Hands the buffers back to this thread's pool; the handshake must not be used afterwards. */
    void release() {
        Buffers pool = BUFFERS.get();
        pool.give(0, netIn);
        pool.give(1, netOut);
        pool.give(2, appIn);
        netIn = null;
        netOut = null;
        appIn = null;
    }

    Outcome run() throws ProbeFailure {
        try {
            engine.beginHandshake();
            boolean finished = false;
            while (!finished) {
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_WRAP -> finished = wrap();
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> finished = unwrap();
                    case NEED_TASK -> runTasks();
                    case FINISHED, NOT_HANDSHAKING -> finished = true;
                    default -> throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "unexpected engine state " + hs);
                }
            }
            SSLSession session = engine.getSession();
            return new Outcome(session.getProtocol(), session.getCipherSuite());
        } catch (SocketTimeoutException | AsynchronousCloseException e) {
            throw new ProbeFailure(Reasons.HANDSHAKE_TIMEOUT, "no complete TLS handshake within the timeout (" + received
                + " bytes received)");
        } catch (SSLException e) {
            if (!sawTlsRecord && received > 0) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "the server does not speak TLS on this port");
            }
            throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "TLS handshake failed: " + e.getMessage());
        } catch (EOFException e) {
            throw new ProbeFailure(sawTlsRecord || received == 0 ? Reasons.HANDSHAKE_FAILED : Reasons.PROTOCOL_ERROR,
                "the server closed the connection during the TLS handshake");
        } catch (IOException e) {
            throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "TLS handshake failed: " + e.getMessage());
        }
    }

    /**
     * In TLS 1.3 the server judges the client certificate after the client's Finished, so a rejection arrives as an
     * alert on the first read. Waits briefly for it; silence or data means the server accepted us.
     */
    void awaitClientCertificateVerdict() throws ProbeFailure {
        try {
            long until = System.nanoTime() + Math.min(CLIENT_CERT_VERDICT_WAIT.toNanos(), deadline.remaining().toNanos());
            boolean needBytes = netIn.position() == 0;
            byte[] chunk = new byte[16 * 1024 + 512]; // the socket's stream, which has a timeout, reads into arrays
            while (System.nanoTime() < until) {
                if (needBytes) {
                    if (!netIn.hasRemaining()) {
                        return; // a record larger than the buffer: not an alert
                    }
                    socket.setSoTimeout((int) Math.max(1, (until - System.nanoTime()) / 1_000_000));
                    int n = socket.getInputStream().read(chunk, 0, Math.min(chunk.length, netIn.remaining()));
                    if (n < 0) {
                        throw new ProbeFailure(Reasons.HANDSHAKE_FAILED,
                            "the server closed the connection after the handshake (client certificate rejected?)");
                    }
                    netIn.put(chunk, 0, n);
                }
                netIn.flip();
                SSLEngineResult r = engine.unwrap(netIn, appIn);
                netIn.compact();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "the server closed the TLS session after the handshake"
                        + " (client certificate rejected?)");
                }
                if (appIn.position() > 0 || r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    return; // application data: accepted
                }
                if (r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                    runTasks();
                }
                // a partial record, or a whole one consumed (a session ticket): read on
                needBytes = r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW || netIn.position() == 0;
            }
        } catch (SocketTimeoutException e) {
            // silence: the server accepted the client (or did not care)
        } catch (AsynchronousCloseException e) {
            // the deadline came during the wait: nothing said against the client
        } catch (SSLException e) {
            throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "the server rejected the client certificate: " + e.getMessage());
        } catch (IOException e) {
            throw new ProbeFailure(Reasons.HANDSHAKE_FAILED, "the connection failed after the handshake (client certificate"
                + " rejected?): " + e.getMessage());
        }
    }

    /** Best effort close_notify; never blocks past the deadline. */
    void close() {
        try {
            engine.closeOutbound();
            netOut.clear();
            engine.wrap(ByteBuffer.allocate(0), netOut);
            netOut.flip();
            if (netOut.hasRemaining()) {
                send();
            }
        } catch (IOException | RuntimeException e) {
            // the peer may be gone already
        }
    }

    private boolean wrap() throws IOException {
        netOut.clear();
        SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), netOut);
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            netOut = grow(netOut, engine.getSession().getPacketBufferSize());
            return false;
        }
        netOut.flip();
        if (netOut.hasRemaining()) {
            send();
        }
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new SSLException("the engine closed during the handshake");
        }
        return r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    private boolean unwrap() throws IOException {
        if (netIn.position() == 0) {
            // BoringSSL notices the end of a TLS 1.2 handshake only when called again after the server's Finished
            SSLEngineResult probe = engine.unwrap(ByteBuffer.allocate(0), appIn);
            if (probe.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
                return true;
            }
            if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
                return false;
            }
            fill();
        }
        netIn.flip();
        SSLEngineResult r = engine.unwrap(netIn, appIn);
        netIn.compact();
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW -> {
                if (!netIn.hasRemaining()) {
                    if (netIn.capacity() >= MAX_NET_BUFFER) {
                        throw new SSLException("TLS record larger than " + MAX_NET_BUFFER + " bytes");
                    }
                    netIn = grow(netIn, engine.getSession().getPacketBufferSize());
                }
                fill();
            }
            case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
            case CLOSED -> throw new EOFException("closed");
            default -> {
            }
        }
        return r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /**
     * Reads what is available. The read blocks in the kernel; the caller's alarm closes the channel at the deadline,
     * which ends it (so trickling cannot extend it either).
     */
    private void fill() throws IOException {
        if (deadline.expired()) {
            throw new SocketTimeoutException("deadline");
        }
        int start = netIn.position();
        int n = channel.read(netIn);
        if (n < 0) {
            throw new EOFException("closed");
        }
        if (received == 0 && n > 0) {
            sawTlsRecord = looksLikeTlsRecord(netIn.get(start), n > 1 ? netIn.get(start + 1) : 3);
        }
        received += n;
    }

    /** Writes what netOut holds (flipped). */
    private void send() throws IOException {
        while (netOut.hasRemaining()) {
            channel.write(netOut);
        }
    }

    /** Content type 20..24 and major version 3: anything else is not TLS (HTTP, SSH, a banner, garbage). */
    static boolean looksLikeTlsRecord(byte type, byte major) {
        return type >= 20 && type <= 24 && major == 3;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static ByteBuffer grow(ByteBuffer b, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(b.capacity() * 2, atLeast));
        b.flip();
        bigger.put(b);
        return bigger;
    }
}
