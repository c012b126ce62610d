package dev.vigil.agent;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** SIGHUP reloads the configuration, as for every Prometheus exporter. */
final class SighupHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SighupHandler.class);

    private SighupHandler() {
    }

    static void install(Runnable reload) {
        try {
            Object before = Signal.handle(new Signal("HUP"), sig -> {
                LOG.info("SIGHUP received, reloading the configuration");
                reload.run();
            });
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // the parent ignored SIGHUP (nohup, some supervisors): the JVM keeps it ignored, silently
                LOG.warn("SIGHUP is ignored in this process (started under nohup?); reload with POST /-/reload");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.atWarn().addKeyValue("error", e.getMessage()).log("cannot handle SIGHUP; reload with POST /-/reload");
        }
    }
}
