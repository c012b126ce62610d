package dev.vigil.tls;

import dev.vigil.net.Dialer;
import dev.vigil.net.IpFamily;
import dev.vigil.net.Reasons;
import dev.vigil.pki.ClientIdentity;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.HostPort;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One TLS target: resolve, connect, STARTTLS, handshake (chain recorded, never aborted), verdict, per address when
 * {@code all_addresses} is set. Each phase runs within what is left of the deadline and fails with its own reason.
 */
final class TlsProbe implements Probe {
    /** Name resolution; the system resolver except in tests of several addresses behind one name. */
    interface Resolver extends Dialer.Resolver {
    }

    private final String target;
    private final TlsKind.Spec spec;
    private final TrustAnchors anchors;
    private final Resolver resolver;

    TlsProbe(String target, TlsKind.Spec spec) {
        this(target, spec, InetAddress::getAllByName);
    }

    TlsProbe(String target, TlsKind.Spec spec, Resolver resolver) {
        this.target = target;
        this.spec = spec;
        this.anchors = new TrustAnchors(spec.caFile());
        this.resolver = resolver;
    }

    /** What one address answered. */
    record AddressOutcome(InetAddress address, List<X509Certificate> chain, Handshake.Outcome handshake,
                          double handshakeSeconds, ProbeFailure failure, ChainInspector.Verdict verdict, String provider) {
        String reason() {
            if (failure != null) {
                return failure.reason();
            }
            return verdict == null ? ChainInspector.NO_CERTIFICATE : verdict.reason();
        }

        boolean ok() {
            return failure == null && verdict != null && verdict.ok();
        }
    }

    /**
     * The phases end this much before the scheduler's deadline (at most 200 ms, a tenth of the timeout), so that a
     * slow target is reported with its own reason (handshake_timeout, ...) and its chain, not cut off as "timeout".
     */
    static Deadline withMargin(Deadline outer) {
        Duration remaining = outer.remaining();
        Duration margin = Duration.ofMillis(Math.min(200, remaining.toMillis() / 10));
        return Deadline.after(remaining.minus(margin));
    }

    @Override
    public ProbeResult run(Deadline outer) throws ProbeFailure, InterruptedException {
        Deadline deadline = withMargin(outer);
        List<Sample> samples = new ArrayList<>();
        Map<String, String> details = new LinkedHashMap<>();
        List<InetAddress> addresses = Dialer.resolve(spec.address().host(), IpFamily.of(spec.ipFamily()), deadline,
            resolver::resolve);

        ClientIdentity identity = null;
        String identityProblem = null;
        if (spec.mtls()) {
            try {
                identity = spec.clientPkcs12File() != null
                    ? ClientIdentity.fromPkcs12(spec.clientPkcs12File(), spec.clientPkcs12PasswordFile())
                    : ClientIdentity.fromPem(spec.clientCertFile(), spec.clientKeyFile());
                X509Certificate c = identity.chain().get(0);
                samples.add(TlsKind.CLIENT_CERT_NOT_AFTER.sample(c.getNotAfter().getTime() / 1000.0, target,
                    CertificateFacts.cn(c.getSubjectX500Principal())));
                details.put("client certificate", c.getSubjectX500Principal().getName() + ", expires "
                    + c.getNotAfter().toInstant() + " (" + daysLeft(c) + ")");
            } catch (IOException | RuntimeException e) {
                identityProblem = "cannot read the client certificate: " + e.getMessage();
                details.put("client certificate", identityProblem);
            }
            samples.add(TlsKind.CLIENT_CERT_ERROR.sample(identityProblem == null ? 0 : 1, target));
        }

        List<X509Certificate> trusted;
        try {
            trusted = anchors.get();
        } catch (IOException | RuntimeException e) {
            throw new ProbeFailure(Reasons.CA_FILE_ERROR, "cannot read ca_file: " + e.getMessage());
        }

        List<InetAddress> toProbe = spec.allAddresses() ? addresses : addresses.subList(0, 1);
        List<AddressOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < toProbe.size(); i++) {
            // each remaining address gets an equal share of what is left
            long share = deadline.remaining().toNanos() / (toProbe.size() - i);
            Deadline phase = Deadline.after(Duration.ofNanos(Math.max(share, 1_000_000)));
            outcomes.add(probeAddress(toProbe.get(i), phase, identity, trusted));
        }

        AddressOutcome shown = outcomes.stream().filter(o -> !o.chain().isEmpty()).findFirst().orElse(outcomes.get(0));
        export(shown, samples, details);
        if (spec.allAddresses()) {
            Set<String> leaves = new LinkedHashSet<>();
            for (AddressOutcome o : outcomes) {
                String address = o.address().getHostAddress();
                samples.add(TlsKind.ADDRESS_SUCCESS.sample(o.ok() ? 1 : 0, target, address, o.reason()));
                if (!o.chain().isEmpty()) {
                    leaves.add(CertificateFacts.of(o.chain().get(0)).fingerprintSha256());
                    samples.add(TlsKind.ADDRESS_LEAF_EXPIRY.sample(o.chain().get(0).getNotAfter().getTime() / 1000.0,
                        target, address));
                }
                details.put("address " + address, o.reason() + (o.chain().isEmpty() ? ""
                    : ", leaf " + CertificateFacts.of(o.chain().get(0)).fingerprintSha256().substring(0, 16)));
            }
            samples.add(TlsKind.BACKEND_MISMATCH.sample(leaves.size() > 1 ? 1 : 0, target));
        }

        AddressOutcome failed = outcomes.stream().filter(o -> !o.ok()).findFirst().orElse(null);
        if (failed != null) {
            String message = failed.failure() != null ? failed.failure().getMessage() : failed.verdict().message();
            if (outcomes.size() > 1) {
                message = failed.address().getHostAddress() + ": " + message;
            }
            return ProbeResult.failed(failed.reason(), message, samples, details);
        }
        if (identityProblem != null) {
            return ProbeResult.failed(Reasons.CLIENT_CERT_ERROR, identityProblem, samples, details);
        }
        return ProbeResult.ok(samples, details);
    }

    private void export(AddressOutcome o, List<Sample> samples, Map<String, String> details) {
        details.put("address", new HostPort(o.address().getHostAddress(), spec.address().port()).toString());
        if (!"none".equals(spec.starttls())) {
            details.put("starttls", spec.starttls());
        }
        details.put("provider", o.provider());
        if (o.handshake() != null) {
            samples.add(TlsKind.HANDSHAKE_DURATION.sample(o.handshakeSeconds(), target));
            samples.add(TlsKind.VERSION.sample(1, target, o.handshake().protocol()));
            samples.add(TlsKind.CIPHER.sample(1, target, o.handshake().cipher()));
            details.put("handshake", o.handshake().protocol() + " " + o.handshake().cipher() + " in "
                + Math.round(o.handshakeSeconds() * 10_000) / 10.0 + " ms");
        }
        if (o.verdict() != null) {
            samples.add(TlsKind.VERIFIED.sample(o.verdict().ok() ? 1 : 0, target, o.verdict().reason()));
            details.put("verdict", o.verdict().reason() + (o.verdict().message().isEmpty() ? "" : ": " + o.verdict().message()));
        }
        List<X509Certificate> chain = o.chain();
        if (chain.isEmpty()) {
            return;
        }
        samples.add(TlsKind.CHAIN_LENGTH.sample(chain.size(), target));
        samples.add(TlsKind.LEAF_EXPIRY.sample(chain.get(0).getNotAfter().getTime() / 1000.0, target));
        samples.add(TlsKind.EARLIEST_EXPIRY.sample(chain.stream().map(X509Certificate::getNotAfter)
            .min(Comparator.naturalOrder()).orElseThrow().getTime() / 1000.0, target));
        for (int i = 0; i < chain.size() && i < TlsKind.MAX_EXPORTED_CERTS; i++) {
            X509Certificate c = chain.get(i);
            CertificateFacts f = CertificateFacts.of(c);
            String position = f.position(i);
            String index = String.valueOf(i);
            samples.add(TlsKind.CERT_NOT_AFTER.sample(f.notAfter(), target, position, index, f.subjectCn(), f.issuerCn()));
            samples.add(TlsKind.CERT_NOT_BEFORE.sample(f.notBefore(), target, position, index, f.subjectCn(), f.issuerCn()));
            samples.add(TlsKind.CERT_INFO.sample(1, target, position, index, f.subjectCn(), f.issuerCn(), f.serial(),
                f.fingerprintSha256(), f.sans(), f.keyType(), String.valueOf(f.keyBits()), f.signatureAlgorithm()));
            details.put("cert " + i + " (" + position + ")", f.subject() + "; issuer " + f.issuer() + "; " + f.keyType()
                + " " + f.keyBits() + "; expires " + c.getNotAfter().toInstant() + " (" + daysLeft(c) + ")");
        }
    }

    private static String daysLeft(X509Certificate c) {
        long days = Duration.between(Instant.now(), c.getNotAfter().toInstant()).toDays();
        return days >= 0 ? "in " + days + " days" : -days + " days ago";
    }

    private AddressOutcome probeAddress(InetAddress address, Deadline deadline, ClientIdentity identity,
                                        List<X509Certificate> trusted) {
        RecordingTrustManager trust = new RecordingTrustManager();
        ClientKeyManager keys = new ClientKeyManager(identity);
        String host = spec.address().host();
        String peerHost = spec.serverName() != null ? spec.serverName() : host;
        boolean sendSni = spec.serverName() != null || !ChainInspector.isIpLiteral(host);
        String provider = TlsEngines.resolve(spec.provider());
        Handshake.Outcome outcome = null;
        ProbeFailure failure = null;
        double seconds = 0;
        try (SocketChannel channel = SocketChannel.open()) {
            // the one timeout of this address: at its deadline the channel is closed, which ends any blocked
            // connect, read or write with AsynchronousCloseException (reported by phase below)
            try (Dialer.Alarm alarm = Dialer.closeAt(channel, deadline)) {
                Dialer.connect(channel, new InetSocketAddress(address, spec.address().port()));
                Socket socket = channel.socket();
                socket.setTcpNoDelay(true);
                if (!"none".equals(spec.starttls())) {
                    new StartTls(socket, deadline, spec.starttls()).upgrade(peerHost);
                }
                try (TlsEngines.Handle handle = TlsEngines.create(provider, peerHost, spec.address().port(), sendSni,
                    trust, keys)) {
                    long start = System.nanoTime();
                    Handshake hs = new Handshake(handle.engine(), channel, deadline);
                    try {
                        outcome = hs.run();
                        seconds = (System.nanoTime() - start) / 1e9;
                        if (keys.requested() && "TLSv1.3".equals(outcome.protocol())) {
                            hs.awaitClientCertificateVerdict();
                        }
                        hs.close();
                    } finally {
                        hs.release();
                    }
                }
            }
        } catch (ProbeFailure f) {
            failure = f;
        } catch (GeneralSecurityException e) {
            failure = new ProbeFailure(Reasons.HANDSHAKE_FAILED, "cannot set up TLS: " + e.getMessage());
        } catch (AsynchronousCloseException e) {
            failure = new ProbeFailure(outcome == null ? Reasons.HANDSHAKE_TIMEOUT : Reasons.HANDSHAKE_FAILED,
                "the connection was cut at the deadline");
        } catch (IOException e) {
            failure = new ProbeFailure(Reasons.CONNECT_FAILED, String.valueOf(e.getMessage()));
        }
        // a chain that arrived before the handshake failed (client certificate required) is judged all the same
        ChainInspector.Verdict verdict = trust.chain().isEmpty() && outcome == null ? null
            : ChainInspector.inspect(trust.chain(), trusted, peerHost, new Date());
        return new AddressOutcome(address, trust.chain(), outcome, seconds, failure, verdict, provider);
    }
}
