package dev.vigil.tcp;

import dev.vigil.net.Dialer;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.ProbeResult;
import dev.vigil.probe.Sample;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Connects to the first address of the target that the IP family allows; reasons are the common ones of the net layer. */
final class TcpProbe implements Probe {
    private final String target;
    private final TcpKind.Spec spec;

    TcpProbe(String target, TcpKind.Spec spec) {
        this.target = target;
        this.spec = spec;
    }

    @Override
    public ProbeResult run(Deadline deadline) throws ProbeFailure, InterruptedException {
        long start = System.nanoTime();
        List<InetAddress> addresses = Dialer.resolve(spec.address().host(), spec.ipFamily(), deadline, Dialer.SYSTEM);
        List<Sample> samples = new ArrayList<>();
        samples.add(TcpKind.ADDRESSES.sample(addresses.size(), target));
        InetAddress address = addresses.get(0);
        Map<String, String> details = new LinkedHashMap<>();
        details.put("address", address.getHostAddress());
        try (SocketChannel channel = Dialer.dial(new InetSocketAddress(address, spec.address().port()), deadline)) {
            // connected: closed at once
        } catch (ProbeFailure f) {
            return ProbeResult.failed(f.reason(), f.getMessage(), samples, details);
        } catch (IOException e) {
            // closing failed: the connection was made
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        samples.add(TcpKind.CONNECT_DURATION.sample(seconds, target));
        details.put("connect", String.format("%.1f ms", seconds * 1000));
        return ProbeResult.ok(samples, details);
    }
}
