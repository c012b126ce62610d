package dev.vigil.net;

import dev.vigil.probe.Deadline;
import dev.vigil.probe.HostPort;
import dev.vigil.probe.ProbeFailure;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolve and connect with a deadline on each, for every kind that opens a socket itself (tcp, tls, vip): name
 * resolution runs on a thread of its own and is abandoned at the deadline (Java's resolver has no timeout), the
 * connect is cut by closing the channel at the deadline, and every failure maps to one of the common {@link Reasons}.
 */
public final class Dialer {
    private Dialer() {
    }

    /** Name resolution: the system resolver, except in tests of several addresses behind one name. */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public static final Resolver SYSTEM = InetAddress::getAllByName;

    private static final ExecutorService RESOLVER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "vigil-resolver");
        t.setDaemon(true);
        return t;
    });

    /** Closes channels at their deadline (one timer for every probe; cancelled when done in time). */
    private static final ScheduledThreadPoolExecutor ALARM = alarm();

    private static ScheduledThreadPoolExecutor alarm() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "vigil-net-alarm");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /**
     * An IPv6 literal (any colon) or a dotted IPv4 address, which needs no resolver (and gets no SNI); on the path of
     * every probe, so no regular expression.
     */
    public static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                digits++;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    /**
     * The addresses of {@code host} that {@code family} allows, in the order to try them. Fails with {@code dns} when
     * the name does not resolve, not before the deadline, or to no address of the family.
     */
    public static List<InetAddress> resolve(String host, IpFamily family, Deadline deadline, Resolver resolver)
        throws ProbeFailure, InterruptedException {
        InetAddress[] all;
        if (isIpLiteral(host)) {
            try {
                all = InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw new ProbeFailure(Reasons.DNS, "\"" + host + "\" is not a valid address");
            }
        } else {
            Future<InetAddress[]> f = RESOLVER.submit(() -> resolver.resolve(host));
            try {
                all = f.get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                throw new ProbeFailure(Reasons.DNS, "resolving " + host + " took longer than the timeout");
            } catch (ExecutionException e) {
                throw new ProbeFailure(Reasons.DNS, "cannot resolve " + host);
            } catch (InterruptedException e) {
                f.cancel(true);
                throw e;
            }
        }
        List<InetAddress> list = family.apply(all);
        if (list.isEmpty()) {
            throw new ProbeFailure(Reasons.DNS, host + " has no " + family.word() + " address");
        }
        return list;
    }

    /** A timer that closes something at a deadline, unless cancelled by {@link #close()} first. */
    public static final class Alarm implements AutoCloseable {
        private final ScheduledFuture<?> future;

        private Alarm(ScheduledFuture<?> future) {
            this.future = future;
        }

        @Override
        public void close() {
            future.cancel(false);
        }
    }

    /**
     * Closes {@code what} at the deadline: the one timeout of a blocking channel, which ends a blocked connect, read or
     * write with {@link AsynchronousCloseException} (so a peer trickling bytes cannot extend it either).
     */
    public static Alarm closeAt(Closeable what, Deadline deadline) {
        return new Alarm(ALARM.schedule(() -> closeQuietly(what), deadline.remaining().toNanos(), TimeUnit.NANOSECONDS));
    }

    /**
     * Connects {@code channel} (blocking mode) to {@code address}; the caller's {@link #closeAt alarm} bounds it.
     * Failures: connect_timeout, connect_refused, connect_unreachable, connect_failed.
     */
    public static void connect(SocketChannel channel, InetSocketAddress address) throws ProbeFailure {
        try {
            channel.connect(address);
        } catch (IOException e) {
            throw connectFailure(e, address);
        }
    }

    /** Opens a channel connected to {@code address} within the deadline; the caller closes it. */
    public static SocketChannel dial(InetSocketAddress address, Deadline deadline) throws ProbeFailure {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            try (Alarm alarm = closeAt(channel, deadline)) {
                channel.connect(address);
            }
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw connectFailure(e, address);
        }
    }

    /** The common reason of a failed connect. */
    public static ProbeFailure connectFailure(IOException e, InetSocketAddress address) {
        String where = new HostPort(address.getAddress() != null ? address.getAddress().getHostAddress()
            : address.getHostString(), address.getPort()).toString();
        if (e instanceof AsynchronousCloseException || e instanceof SocketTimeoutException) {
            return new ProbeFailure(Reasons.CONNECT_TIMEOUT, "no answer from " + where + " within the timeout");
        }
        if (e instanceof NoRouteToHostException) {
            return new ProbeFailure(Reasons.CONNECT_UNREACHABLE, "no route to " + where);
        }
        if (e instanceof ConnectException) {
            return new ProbeFailure(Reasons.CONNECT_REFUSED, "connection refused by " + where);
        }
        return new ProbeFailure(Reasons.CONNECT_FAILED, where + ": " + e.getMessage());
    }

    static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            // closing is all that was asked
        }
    }
}
