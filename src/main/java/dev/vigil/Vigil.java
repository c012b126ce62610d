package dev.vigil;

import dev.vigil.cli.CommandLine;
import dev.vigil.cli.ListenAddress;
import dev.vigil.cli.ProbeCommand;
import dev.vigil.config.ConfigError;
import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import dev.vigil.logging.LogLayout;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.web.WebConfig;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.env.Environment;
import io.micronaut.runtime.Micronaut;
import io.micronaut.runtime.exceptions.ApplicationStartupException;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The {@code vigil} command: runs the agent, checks a configuration, or runs one probe. */
public final class Vigil {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    private Vigil() {
    }

    public static void main(String[] args) {
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            // Netty 4.2 emits JFR events for its buffers when JFR is available: their first check, on the first
            // request, loaded ~60 JFR classes on the event loop. The agent never records them.
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        int code = run(args, System.out, System.err);
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Runs a command; returns its exit code, or -1 when the agent was started and keeps running. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl;
        try {
            cl = CommandLine.parse(args);
        } catch (CommandLine.UsageException e) {
            err.println("vigil: error: " + e.getMessage());
            return EXIT_USAGE;
        }
        LogLayout.configure(cl.flag("log.level", "info"), cl.flag("log.format", "logfmt"));
        HostPaths hostPaths = HostPaths.of(cl.flag("path.rootfs", "/"));
        ProbeKinds kinds = ProbeKinds.builtIn();
        try {
            switch (cl.command()) {
                case CommandLine.HELP:
                    out.print(help());
                    return EXIT_OK;
                case CommandLine.VERSION:
                    BuildInfo b = BuildInfo.current();
                    out.println("vigil " + b.version() + " (revision " + b.revision() + ", java " + b.javaVersion() + ")");
                    return EXIT_OK;
                case CommandLine.CHECK_CONFIG:
                    return checkConfig(new ConfigLoader(kinds, hostPaths), Path.of(cl.arguments().get(0)), out, err);
                case CommandLine.PROBE:
                    return new ProbeCommand(kinds, hostPaths).run(cl, out);
                default:
                    return startAgent(cl, new ConfigLoader(kinds, hostPaths), err);
            }
        } catch (CommandLine.UsageException e) {
            err.println("vigil: error: " + e.getMessage());
            return EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILED;
        }
    }

    private static int checkConfig(ConfigLoader loader, Path file, PrintStream out, PrintStream err) {
        try {
            VigilConfig c = loader.load(file);
            out.println(file + ": OK, " + c.targets().size() + " target(s)");
            return EXIT_OK;
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(file + ": " + e.errors().size() + " error(s)");
            return EXIT_FAILED;
        }
    }

    private static int startAgent(CommandLine cl, ConfigLoader loader, PrintStream err) throws CommandLine.UsageException {
        String configFile = cl.flag("config.file", "");
        try {
            dev.vigil.agent.Agent.preload(configFile,
                configFile.isEmpty() ? loader.loadEmbedded() : loader.load(Path.of(configFile)));
        } catch (ConfigException e) {
            e.errors().forEach(err::println);
            err.println("vigil: error: the configuration has " + e.errors().size() + " error(s); not starting");
            return EXIT_FAILED;
        }
        ListenAddress listen = ListenAddress.parse(cl.flag("web.listen-address", ListenAddress.DEFAULT));
        Map<String, Object> props = new HashMap<>();
        String webConfigFile = cl.flag("web.config.file", "");
        if (!webConfigFile.isEmpty()) {
            try {
                WebConfig web = WebConfig.load(Path.of(webConfigFile), HostPaths.HOST);
                props.put("vigil.web-config-file", webConfigFile);
                web.tls().ifPresent(tls -> tlsProperties(tls, listen, props));
            } catch (ConfigException e) {
                e.errors().forEach(err::println);
                err.println("vigil: error: --web.config.file has " + e.errors().size() + " error(s); not starting");
                return EXIT_FAILED;
            }
        }
        props.put("micronaut.server.port", listen.port());
        if (!listen.host().isEmpty()) {
            props.put("micronaut.server.host", listen.host());
        }
        props.put("vigil.config-file", configFile);
        props.put("vigil.rootfs", cl.flag("path.rootfs", "/"));
        props.put("vigil.sighup", true);
        Logger log = LoggerFactory.getLogger(Vigil.class);
        try {
            // SIGTERM (systemctl stop, kubelet): say so, from the moment the agent starts (a stop right after
            // "listening" included). No graceful close here: Netty's quiet period with clients still connected would
            // hold the exit past systemd's and the kubelet's patience
            Runtime.getRuntime().addShutdownHook(new Thread(() -> dev.vigil.logging.LogLayout.lastLine(Vigil.class,
                "agent stopping"), "vigil-shutdown"));
            ApplicationContext ctx = new Start().args(new String[0]).banner(false).properties(props).start();
            EmbeddedServer server = ctx.getBean(EmbeddedServer.class);
            String host = listen.host().contains(":") ? "[" + listen.host() + "]" : listen.host();
            log.atInfo().addKeyValue("address", host + ":" + server.getPort()).log("listening");
            if (Boolean.getBoolean("vigil.cds.training")) {
                train(server.getPort());
            }
            return -1;
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            err.println("vigil: error: cannot start on " + cl.flag("web.listen-address", ListenAddress.DEFAULT) + ": "
                + root.getMessage());
            return EXIT_FAILED;
        }
    }

    /**
     * Micronaut's start with its failures handed back to the caller: Micronaut's own handling logs the whole stack
     * trace and exits the JVM itself, so the one-line error of {@link #startAgent} (a port in use, a bean that cannot
     * be created) was never printed.
     */
    private static final class Start extends Micronaut {
        @Override
        protected void handleStartupException(Environment environment, Throwable exception) {
            throw new ApplicationStartupException("cannot start", exception);
        }
    }

    /**
     * The training run of the class-data-sharing archive built at package time ({@code -XX:ArchiveClassesAtExit},
     * see packaging): once probing has started, asks for every page the way Prometheus and people do, then exits, so
     * the archive holds the classes of a start, a probe round and a scrape.
     */
    private static void train(int port) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(3000);
                for (String[] req : new String[][] {{"/metrics", "text/plain", ""},
                    {"/metrics", "application/openmetrics-text; version=1.0.0", "gzip"}, {"/", "text/html", ""},
                    {"/ready", "*/*", ""}, {"/healthz", "*/*", ""}}) {
                    try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                        s.setSoTimeout(10_000); // a page that fails must not hold the build for the idle timeout
                        s.getOutputStream().write(("GET " + req[0] + " HTTP/1.1\r\nHost: localhost\r\nAccept: " + req[1]
                            + (req[2].isEmpty() ? "" : "\r\nAccept-Encoding: " + req[2]) + "\r\nConnection: close\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        s.getInputStream().readAllBytes();
                    }
                }
            } catch (Exception e) {
                System.err.println("vigil: training run: " + e);
            }
            System.exit(0);
        }, "vigil-cds-training");
        t.setDaemon(true);
        t.start();
    }

    /**
     * TLS of the agent's endpoint through Micronaut's file certificate provider: PEM key and chain re-read every 10 s,
     * so a rotated certificate is served without a restart; the client CA likewise.
     */
    private static void tlsProperties(WebConfig.Tls tls, ListenAddress listen, Map<String, Object> props) {
        props.put("micronaut.server.ssl.enabled", true);
        props.put("micronaut.server.ssl.port", listen.port());
        props.put("micronaut.server.ssl.key-name", "vigil-server");
        props.put("micronaut.certificate.file.vigil-server.path", tls.keyFile().toString());
        props.put("micronaut.certificate.file.vigil-server.certificate-path", tls.certFile().toString());
        props.put("micronaut.certificate.file.vigil-server.format", "PEM");
        props.put("micronaut.certificate.file.vigil-server.refresh-mode", "SCHEDULER");
        props.put("micronaut.certificate.file.vigil-server.refresh-interval", "10s");
        props.put("micronaut.server.ssl.protocols", String.join(",", tls.protocols()));
        if (tls.clientCaFile().isPresent()) {
            props.put("micronaut.server.ssl.trust-name", "vigil-clients");
            props.put("micronaut.certificate.file.vigil-clients.path", tls.clientCaFile().get().toString());
            props.put("micronaut.certificate.file.vigil-clients.format", "PEM");
            props.put("micronaut.certificate.file.vigil-clients.refresh-mode", "SCHEDULER");
            props.put("micronaut.certificate.file.vigil-clients.refresh-interval", "10s");
        }
        if (!tls.micronautClientAuthentication().isEmpty()) {
            props.put("micronaut.server.ssl.client-authentication", tls.micronautClientAuthentication());
        }
    }

    static String help() {
        return """
            usage: vigil [flags]                          run the agent
                   vigil check-config FILE                validate a configuration file, print every error
                   vigil probe KIND TARGET [--OPTION V]   run one probe once and print what it found

            flags:
              --config.file=FILE          configuration file (default: the embedded configuration)
              --web.listen-address=ADDR   address of /metrics and the status page (default :9847)
              --web.config.file=FILE      TLS and basic authentication of that address (exporter-toolkit format)
              --path.rootfs=DIR           prefix for every host path read (default /), e.g. /host in a container
              --log.level=LEVEL           debug, info, warn or error (default info)
              --log.format=FORMAT         logfmt or json (default logfmt)
              --version                   print the version and exit
              --help                      print this help and exit

            probe flags:
              --output=text|json          output format (default text)
              --timeout=DURATION          deadline of the run (default: the kind's default)
              --OPTION VALUE              any option of a target of that kind, dashes for underscores
                                          (e.g. probe tls example.org:443 --server-name example.org)

            HTTP: /metrics, / (status page), /healthz, /ready, POST /-/reload; SIGHUP also reloads.
            Exit codes: 0 ok, 1 failed (invalid configuration, probe failed), 2 command-line error.
            """;
    }
}
