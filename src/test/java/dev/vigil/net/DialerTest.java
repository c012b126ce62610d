package dev.vigil.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DialerTest {
    private static final InetAddress V4 = address("192.0.2.1");
    private static final InetAddress V6 = address("2001:db8::1");

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyIpFamilyFiltersOrOrdersTheResolvedAddresses() {
        InetAddress[] both = {V6, V4};
        assertEquals(List.of(V6, V4), IpFamily.ANY.apply(both));
        assertEquals(List.of(V4), IpFamily.IP4.apply(both));
        assertEquals(List.of(V6), IpFamily.IP6.apply(both));
        assertEquals(List.of(V4, V6), IpFamily.PREFER_IP4.apply(both));
        assertEquals(List.of(V6, V4), IpFamily.PREFER_IP6.apply(new InetAddress[] {V4, V6}));
        assertEquals(List.of("any", "ip4", "ip6", "prefer_ip4", "prefer_ip6"), IpFamily.NAMES);
    }

    @Test
    void aResolverThatHangsCostsTheDeadlineAndSaysDns() {
        long start = System.nanoTime();
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> Dialer.resolve("slow.example", IpFamily.ANY,
            Deadline.after(Duration.ofMillis(200)), host -> {
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new InetAddress[] {V4};
            }));
        assertEquals(Reasons.DNS, f.reason());
        assertTrue(f.getMessage().contains("took longer than the timeout"), f.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
    }

    @Test
    void aNameWithoutAnAddressOfTheFamilyIsDns() {
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> Dialer.resolve("v4only.example", IpFamily.IP6,
            Deadline.after(Duration.ofSeconds(2)), host -> new InetAddress[] {V4}));
        assertEquals(Reasons.DNS, f.reason());
        assertEquals("v4only.example has no ip6 address", f.getMessage());
    }

    @Test
    void aNameThatDoesNotResolveIsDns() {
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> Dialer.resolve("nx.example", IpFamily.ANY,
            Deadline.after(Duration.ofSeconds(2)), host -> {
                throw new java.net.UnknownHostException(host);
            }));
        assertEquals(Reasons.DNS, f.reason());
    }

    @Test
    void ipLiteralsNeedNoResolver() throws Exception {
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")), Dialer.resolve("127.0.0.1", IpFamily.ANY,
            Deadline.after(Duration.ofSeconds(1)), host -> {
                throw new AssertionError("resolver called for a literal");
            }));
        assertTrue(Dialer.isIpLiteral("::1"));
        assertFalse(Dialer.isIpLiteral("1.2.3.example"));
    }

    @Test
    void aClosedPortIsConnectRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ProbeFailure f = assertThrows(ProbeFailure.class, () -> Dialer.dial(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), port), Deadline.after(Duration.ofSeconds(2))));
        assertEquals(Reasons.CONNECT_REFUSED, f.reason());
    }

    @Test
    void aListenerThatNeverAcceptsAndHasAFullBacklogCostsTheDeadlineAndSaysConnectTimeout() throws Exception {
        List<SocketChannel> queued = new ArrayList<>();
        try (ServerSocket never = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), never.getLocalPort());
            // fill the accept queue: once full, the kernel drops further SYNs and the connect hangs
            ProbeFailure f = null;
            for (int i = 0; i < 16 && f == null; i++) {
                long start = System.nanoTime();
                try {
                    queued.add(Dialer.dial(to, Deadline.after(Duration.ofMillis(300))));
                } catch (ProbeFailure e) {
                    f = e;
                    long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
                    assertTrue(ms >= 250 && ms < 2000, ms + " ms");
                }
            }
            assertTrue(f != null, "the backlog never filled");
            assertEquals(Reasons.CONNECT_TIMEOUT, f.reason());
        } finally {
            for (SocketChannel c : queued) {
                c.close();
            }
        }
    }

    @Test
    void anAcceptingListenerIsDialled() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             SocketChannel c = Dialer.dial(new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort()),
                 Deadline.after(Duration.ofSeconds(2)))) {
            assertTrue(c.isConnected());
        }
    }

    @Test
    void everyCommonReasonIsDocumented() {
        assertTrue(Reasons.COMMON.keySet().containsAll(List.of(Reasons.DNS, Reasons.CONNECT_REFUSED,
            Reasons.CONNECT_TIMEOUT, Reasons.CONNECT_UNREACHABLE, Reasons.CONNECT_FAILED, Reasons.HANDSHAKE_FAILED,
            Reasons.TIMEOUT, Reasons.HTTP_STATUS, Reasons.BAD_RESPONSE, Reasons.TOO_LARGE)));
    }
}
