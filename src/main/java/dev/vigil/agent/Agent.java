package dev.vigil.agent;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.config.VigilConfig;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.annotation.PreDestroy;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent: the configuration in force, the scheduler probing it, and the registry {@code /metrics} renders.
 * Created eagerly at start-up; a configuration that does not load stops the start.
 */
@Context
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final String configFile;
    private final ConfigLoader loader;
    private final Scheduler scheduler;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Exposition exposition;
    private final BuildInfo build = BuildInfo.current();
    private volatile VigilConfig config;
    private volatile ReloadStatus status;

    public Agent(@Value("${vigil.config-file:}") String configFile, @Value("${vigil.rootfs:/}") String rootfs,
                 @Value("${vigil.sighup:false}") boolean sighup) throws ConfigException {
        this(configFile, HostPaths.of(rootfs), ProbeKinds.builtIn(), sighup);
    }

    public Agent(String configFile, HostPaths hostPaths, ProbeKinds kinds, boolean sighup) throws ConfigException {
        this.configFile = configFile;
        this.loader = new ConfigLoader(kinds, hostPaths);
        this.scheduler = new Scheduler(kinds, hostPaths);
        VigilConfig initial = load();
        this.config = initial;
        this.status = new ReloadStatus(true, System.currentTimeMillis(), 0, 0, List.of(), initial.source());
        JvmMetrics.builder().register(registry);
        registry.register(new VigilCollector(scheduler, () -> status, build));
        this.exposition = new Exposition(registry);
        scheduler.apply(initial);
        LOG.atInfo().addKeyValue("config", initial.source()).addKeyValue("targets", initial.targets().size())
            .addKeyValue("version", build.version()).log("agent started");
        if (sighup) {
            SighupHandler.install(this::reload);
        }
    }

    private VigilConfig load() throws ConfigException {
        return configFile == null || configFile.isEmpty() ? loader.loadEmbedded() : loader.load(Path.of(configFile));
    }

    /**
     * Re-reads the configuration file. A valid one replaces the targets (unchanged ones keep their state); an invalid
     * one is refused, its errors logged and returned, and the running configuration stays.
     */
    public synchronized ReloadStatus reload() {
        ReloadStatus before = status;
        try {
            VigilConfig next = load();
            scheduler.apply(next);
            config = next;
            status = new ReloadStatus(true, System.currentTimeMillis(), before.reloads() + 1, before.failures(),
                List.of(), next.source());
            LOG.atInfo().addKeyValue("config", next.source()).addKeyValue("targets", next.targets().size())
                .log("configuration reloaded");
        } catch (ConfigException e) {
            status = new ReloadStatus(false, before.lastSuccessMillis(), before.reloads() + 1, before.failures() + 1,
                e.errors(), before.source());
            e.errors().forEach(err -> LOG.atError().addKeyValue("error", err.toString())
                .log("configuration reload refused; the previous configuration keeps running"));
        }
        return status;
    }

    public VigilConfig config() {
        return config;
    }

    public ReloadStatus status() {
        return status;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public Exposition exposition() {
        return exposition;
    }

    /** The registry /metrics renders; other parts of the agent (the web layer) add their own metrics to it. */
    public PrometheusRegistry registry() {
        return registry;
    }

    public BuildInfo build() {
        return build;
    }

    /** Config loaded and every target of it probed once. */
    public boolean ready() {
        return scheduler.firstRoundDone();
    }

    @PreDestroy
    @Override
    public void close() {
        scheduler.close();
    }
}
