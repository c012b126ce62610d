package dev.vigil.web;

import dev.vigil.agent.Agent;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.netty.NettyServerCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.prometheus.metrics.core.metrics.Counter;
import jakarta.inject.Singleton;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs the connections the agent's TLS endpoint refuses before any HTTP: plain HTTP to the TLS port, a
 * client without the required certificate or with an untrusted one, a failed handshake. Only the reason and the
 * client address are logged.
 */
@Singleton
public final class TlsRefusals implements BeanCreatedEventListener<NettyServerCustomizer.Registry> {
    private static final Logger LOG = LoggerFactory.getLogger(TlsRefusals.class);
    private final Counter refusals;

    public TlsRefusals(Agent agent) {
        this.refusals = Counter.builder().name("vigil_http_tls_handshake_failures_total")
            .help("Connections refused by the TLS of the agent's endpoint, by reason (plain_http, client_certificate,"
                + " handshake).").labelNames("reason").register(agent.registry());
        for (String reason : new String[] {"plain_http", "client_certificate", "handshake"}) {
            refusals.labelValues(reason);
        }
    }

    @Override
    public NettyServerCustomizer.Registry onCreated(BeanCreatedEvent<NettyServerCustomizer.Registry> event) {
        event.getBean().register(new Watcher(null));
        return event.getBean();
    }

    /** Watches each connection's handshake. */
    private final class Watcher implements NettyServerCustomizer {
        private final Channel channel;

        Watcher(Channel channel) {
            this.channel = channel;
        }

        @Override
        public NettyServerCustomizer specializeForChannel(Channel ch, ChannelRole role) {
            return role == ChannelRole.CONNECTION ? new Watcher(ch) : this;
        }

        @Override
        public void onInitialPipelineBuilt() {
            if (channel == null) {
                return;
            }
            SslHandler ssl = channel.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return;
            }
            ssl.handshakeFuture().addListener(f -> {
                if (!f.isSuccess()) {
                    String reason = reason(f.cause());
                    refusals.labelValues(reason).inc();
                    String remote = channel.remoteAddress() instanceof InetSocketAddress a
                        ? a.getAddress().getHostAddress() : String.valueOf(channel.remoteAddress());
                    LOG.atWarn().addKeyValue("reason", reason).addKeyValue("remote", remote)
                        .addKeyValue("error", f.cause().getClass().getSimpleName())
                        .log("connection refused: TLS handshake failed");
                }
            });
        }
    }

    static String reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return "plain_http";
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof SSLHandshakeException && (m.contains("certificate") || m.contains("peer"))) {
                return "client_certificate";
            }
        }
        return "handshake";
    }
}
