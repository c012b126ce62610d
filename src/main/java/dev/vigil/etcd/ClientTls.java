package dev.vigil.etcd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import javax.net.ssl.SSLContext;

/**
 * The cluster mode's TLS material, reloaded when one of its files changes (k3s rotates its certificates in place),
 * with the client certificate's expiry for {@code vigil_etcd_client_cert_expiry_timestamp_seconds}.
 */
final class ClientTls {
    private final EtcdKind.Spec spec;
    private List<Object> stamp;
    private SSLContext context;
    private OptionalDouble expiry = OptionalDouble.empty();

    ClientTls(EtcdKind.Spec spec) {
        this.spec = spec;
    }

    boolean needed() {
        return spec.ca() != null || spec.cert() != null || spec.endpoints().stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    /** The current context; {@code changed} tells the caller to build a new HTTP client. */
    record Current(SSLContext context, OptionalDouble expiry, boolean changed) {
    }

    Current current() throws PemFiles.PemException {
        List<Object> now = stamp();
        if (context != null && Objects.equals(now, stamp)) {
            return new Current(context, expiry, false);
        }
        SSLContext ctx = PemFiles.sslContext(spec.ca(), spec.cert(), spec.key());
        expiry = spec.cert() == null ? OptionalDouble.empty()
            : OptionalDouble.of(PemFiles.certificates(spec.cert()).get(0).getNotAfter().getTime() / 1000.0);
        context = ctx;
        stamp = now;
        return new Current(ctx, expiry, true);
    }

    private List<Object> stamp() {
        List<Object> s = new ArrayList<>();
        for (Path p : new Path[] {spec.ca(), spec.cert(), spec.key()}) {
            if (p == null) {
                s.add(null);
                continue;
            }
            try {
                s.add(Files.getLastModifiedTime(p).toMillis() + "/" + Files.size(p));
            } catch (IOException e) {
                s.add("missing");
            }
        }
        return s;
    }
}
