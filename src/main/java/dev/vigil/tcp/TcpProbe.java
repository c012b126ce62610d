package dev.vigil.tcp;

import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Connects to the first address of the target that the IP family allows; reasons dns, connect_refused, ... */
final class TcpProbe implements Probe {
    private final String target;
    private final TcpKind.Spec spec;

    TcpProbe(String target, TcpKind.Spec spec) {
        this.target = target;
        this.spec = spec;
    }

    @Override
    public ProbeResult run(Deadline deadline) throws ProbeFailure {
        long start = System.nanoTime();
        List<InetAddress> addresses = resolve();
        List<Sample> samples = new ArrayList<>();
        samples.add(TcpKind.ADDRESSES.sample(addresses.size(), target));
        InetAddress address = addresses.get(0);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("address", address.getHostAddress());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, spec.address().port()),
                deadline.budgetMillis(Duration.ofHours(1)));
        } catch (SocketTimeoutException e) {
            return ProbeResult.failed("connect_timeout", "no answer from " + address.getHostAddress() + " within the timeout",
                samples, details);
        } catch (ConnectException e) {
            return ProbeResult.failed("connect_refused", "connection refused by " + address.getHostAddress() + ":"
                + spec.address().port(), samples, details);
        } catch (NoRouteToHostException e) {
            return ProbeResult.failed("connect_unreachable", e.getMessage(), samples, details);
        } catch (IOException e) {
            return ProbeResult.failed("connect_failed", String.valueOf(e.getMessage()), samples, details);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        samples.add(TcpKind.CONNECT_DURATION.sample(seconds, target));
        details.put("connect", String.format("%.1f ms", seconds * 1000));
        return ProbeResult.ok(samples, details);
    }

    private List<InetAddress> resolve() throws ProbeFailure {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(spec.address().host());
        } catch (UnknownHostException e) {
            throw new ProbeFailure("dns", "cannot resolve " + spec.address().host());
        }
        List<InetAddress> allowed = Arrays.stream(all).filter(a -> switch (spec.ipFamily()) {
            case "ip4" -> a instanceof Inet4Address;
            case "ip6" -> a instanceof Inet6Address;
            default -> true;
        }).toList();
        if (allowed.isEmpty()) {
            throw new ProbeFailure("dns", spec.address().host() + " has no " + spec.ipFamily() + " address");
        }
        return allowed;
    }
}
