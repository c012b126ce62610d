package dev.vigil.keepalived;

import dev.vigil.net.Dialer;
import dev.vigil.net.Reasons;
import dev.vigil.probe.AcceptAnyCertificate;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/**
 * Looks for the VIP on this node's interfaces (as an unprivileged user, from the kernel's address list) and, when
 * asked, connects to it. A node that does not hold the VIP is healthy as far as this probe goes: whether the fleet has
 * exactly one holder is a sum over all agents.
 */
final class VipProbe implements Probe {
    private final VipKind.Spec spec;
    private final InetAddress vip;
    private Boolean lastHeld;
    private long transitions;
    private double lastTransition = Double.NaN;

    VipProbe(VipKind.Spec spec) {
        this.spec = spec;
        try {
            this.vip = InetAddress.getByName(spec.address()); // a literal: no lookup
        } catch (IOException e) {
            throw new IllegalArgumentException(spec.address(), e);
        }
    }

    @Override
    public ProbeResult run(Deadline deadline) throws Exception {
        Optional<String> holder = interfaceHolding(vip);
        boolean held = holder.isPresent();
        long now = System.currentTimeMillis();
        if (lastHeld != null && lastHeld != held) {
            transitions++;
            lastTransition = now / 1000.0;
        }
        lastHeld = held;
        String iface = holder.orElse(spec.iface());
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        samples.add(VipKind.HELD.sample(held ? 1 : 0, spec.address(), iface, spec.instance()));
        samples.add(VipKind.TRANSITIONS.sample(transitions, spec.address()));
        if (!Double.isNaN(lastTransition)) {
            samples.add(VipKind.LAST_TRANSITION.sample(lastTransition, spec.address()));
        }
        details.put("held", held ? "yes, on " + holder.get() : "no");
        if (!held && spec.answerPort() > 0) {
            Boolean answers = answers(deadline);
            if (answers != null) {
                samples.add(VipKind.ANSWERS.sample(answers ? 1 : 0, spec.address()));
            }
            details.put("answers", answers == null ? "not conclusive (no answer on port " + spec.answerPort() + ")"
                : answers ? "yes: another host owns the address" : "no: nobody owns the address");
        }
        if (!spec.iface().isEmpty() && held && !spec.iface().equals(holder.get())) {
            details.put("note", "held on " + holder.get() + ", configured for " + spec.iface());
        }
        if (spec.checkPort() <= 0) {
            return ProbeResult.ok(samples, details);
        }
        String port = Integer.toString(spec.checkPort());
        String failure = connect(deadline);
        samples.add(VipKind.REACHABLE.sample(failure == null ? 1 : 0, spec.address(), port));
        if (failure == null) {
            details.put("reachable", spec.address() + ":" + port + (spec.checkTls() ? " (TLS handshake)" : ""));
            return ProbeResult.ok(samples, details);
        }
        String reason = failure.substring(0, failure.indexOf(' '));
        return ProbeResult.failed(reason, failure.substring(failure.indexOf(' ') + 1), samples, details);
    }

    /**
     * Whether some host owns the VIP's address, seen from a node that does not hold it: a TCP connection to the answer
     * port that is accepted or refused proves an owner (the kernel of the holder answers, whether or not anything
     * listens); "no route to host" is the address's neighbour resolution failing, so nobody owns it. A silent drop
     * (a firewall) or a timeout proves nothing: null. This is the network's view, not a count of agents, so the
     * holder's agent being down does not make the VIP look lost. It takes at most half of the run's time left.
     */
    private Boolean answers(Deadline deadline) {
        int budget = (int) Math.max(1, Math.min(2000, deadline.remaining().toMillis() / 2));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(vip, spec.answerPort()), budget);
            return true;
        } catch (ConnectException e) {
            return true;
        } catch (java.net.NoRouteToHostException e) {
            return false;
        } catch (IOException e) {
            return null;
        }
    }

    /** The interface (or alias) carrying the address now, if any. */
    static Optional<String> interfaceHolding(InetAddress address) throws SocketException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            Optional<String> found = search(ni, address);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<String> search(NetworkInterface ni, InetAddress address) {
        for (NetworkInterface sub : Collections.list(ni.getSubInterfaces())) {
            Optional<String> found = search(sub, address);
            if (found.isPresent()) {
                return Optional.of(ni.getName());
            }
        }
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            if (sameAddress(a, address)) {
                return Optional.of(ni.getParent() != null ? ni.getParent().getName() : ni.getName());
            }
        }
        return Optional.empty();
    }

    private static boolean sameAddress(InetAddress a, InetAddress b) {
        return java.util.Arrays.equals(a.getAddress(), b.getAddress());
    }

    /**
     * null when reachable, else "reason message". The check ends a little before the run's deadline, so a slow VIP
     * is reported as unreachable together with the ownership fact, instead of the whole run being cut at the deadline.
     */
    private String connect(Deadline deadline) {
        long margin = Math.min(200, deadline.remaining().toMillis() / 5);
        Duration budget = deadline.remaining().minusMillis(margin);
        try (Socket socket = new Socket()) {
            InetSocketAddress to = new InetSocketAddress(vip, spec.checkPort());
            try {
                socket.connect(to, deadline.budgetMillis(budget));
            } catch (IOException e) {
                ProbeFailure f = Dialer.connectFailure(e, to);
                return f.reason() + " " + f.getMessage();
            }
            if (spec.checkTls()) {
                // reachability only: which certificate the VIP serves is the tls kind's business
                socket.setSoTimeout(deadline.budgetMillis(deadline.remaining().minusMillis(margin)));
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {new AcceptAnyCertificate()}, new SecureRandom());
                try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(socket, spec.address(),
                    spec.checkPort(), false)) {
                    tls.startHandshake();
                }
            }
            return null;
        } catch (SocketTimeoutException e) {
            return Reasons.HANDSHAKE_TIMEOUT + " no complete TLS handshake with " + spec.address() + " within the timeout";
        } catch (javax.net.ssl.SSLException e) {
            return Reasons.HANDSHAKE_FAILED + " TLS handshake with " + spec.address() + " failed: " + e.getMessage();
        } catch (IOException | java.security.GeneralSecurityException e) {
            return Reasons.CONNECT_FAILED + " " + e;
        }
    }
}
