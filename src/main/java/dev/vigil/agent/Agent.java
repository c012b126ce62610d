package dev.vigil.agent;

import dev.vigil.config.ConfigError;
import dev.vigil.config.ConfigException;
import dev.vigil.probe.ConfigLoader;
import dev.vigil.config.HostPaths;
import dev.vigil.probe.VigilConfig;
import dev.vigil.metrics.BuildInfo;
import dev.vigil.metrics.Exposition;
import dev.vigil.metrics.ReloadStatus;
import dev.vigil.metrics.VigilCollector;
import dev.vigil.probe.ProbeKinds;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.UnexpectedError;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.annotation.PreDestroy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent: the configuration in force, the scheduler probing it, and the registry {@code /metrics} renders.
 * Created eagerly at start-up; a configuration that does not load stops the start.
 */
@Context
public final class Agent implements AutoCloseable, ApplicationEventListener<ServerStartupEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final String configFile;
    private final ConfigLoader loader;
    private final Scheduler scheduler;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Exposition exposition;
    private final BuildInfo build = BuildInfo.current();
    private volatile VigilConfig config;
    private volatile ReloadStatus status;
    /** One reload at a time; at most one more waits (see {@link #reloadAsync()}). */
    private final Object reloadLock = new Object();
    private CompletableFuture<ReloadStatus> pendingReload;
    private final ThreadPoolExecutor reloads = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES,
        new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "vigil-reload");
            t.setDaemon(true);
            return t;
        });

    public Agent(@Value("${vigil.config-file:}") String configFile, @Value("${vigil.rootfs:/}") String rootfs,
                 @Value("${vigil.sighup:false}") boolean sighup) throws ConfigException {
        this(configFile, HostPaths.of(rootfs), ProbeKinds.builtIn(), sighup);
    }

    public Agent(String configFile, HostPaths hostPaths, ProbeKinds kinds, boolean sighup) throws ConfigException {
        this(configFile, hostPaths, kinds, sighup, FIRST_ANSWER_GRACE_MS);
    }

    Agent(String configFile, HostPaths hostPaths, ProbeKinds kinds, boolean sighup, long firstAnswerGraceMs)
        throws ConfigException {
        this.firstAnswerGraceMs = firstAnswerGraceMs;
        this.configFile = configFile;
        this.loader = new ConfigLoader(kinds, hostPaths);
        this.scheduler = new Scheduler(kinds, hostPaths);
        VigilConfig initial = takePreloaded(configFile);
        if (initial == null) {
            initial = load();
        }
        this.config = initial;
        this.status = new ReloadStatus(true, System.currentTimeMillis(), 0, 0, List.of(), initial.source());
        // rendered by the exposition itself, straight to text with per-target caching (not through the registry)
        this.exposition = new Exposition(registry, new VigilCollector(scheduler, () -> status, build));
        if (sighup) {
            SighupHandler.install(this::reloadAsync);
        }
    }

    /** The configuration the command line already loaded and checked, so the agent does not read it twice. */
    private static volatile Object[] preloaded;

    /** Hands the configuration {@code file} loaded by the command line to the agent about to start. */
    public static void preload(String file, VigilConfig config) {
        preloaded = new Object[] {file, config};
    }

    private static VigilConfig takePreloaded(String file) {
        Object[] p = preloaded;
        preloaded = null;
        return p != null && java.util.Objects.equals(p[0], file == null ? "" : file) ? (VigilConfig) p[1] : null;
    }

    /**
     * Probing starts once the server listens, on the agent's reload thread (ahead of any reload), so that neither
     * the creation of the probes nor the first round delays the first answer of {@code /metrics}: until then it
     * shows the agent's own series, and {@code /ready} says not ready. The first round waits for that first answer,
     * or {@link #FIRST_ANSWER_GRACE_MS} after the server listens when nobody asks: on two cores, 2000 targets' first
     * handshakes (interpreted code, BoringSSL's library loaded) took the CPU from a scrape in the same instant. The
     * JVM metrics are registered then too (their management beans and proxies, ~30 ms): the first answer has the
     * agent's own series only.
     */
    @Override
    public void onApplicationEvent(ServerStartupEvent event) {
        start();
    }

    private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
    /** How long the first round waits for the first answer of {@code /metrics} after the server listens. */
    public static final long FIRST_ANSWER_GRACE_MS = 1000;
    private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();
    private final long firstAnswerGraceMs;

    /** Called once a {@code /metrics} body is rendered: the first round need not wait any more. */
    public void answered() {
        firstAnswer.complete(null);
    }

    /** Starts probing the initial configuration (once; later calls do nothing). */
    public void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        VigilConfig initial = config;
        try {
            reloads.execute(() -> {
                try {
                    try {
                        firstAnswer.get(firstAnswerGraceMs, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException nobodyAsked) {
                        // start anyway
                    }
                    registerJvmMetrics(registry);
                    synchronized (this) {
                        if (config != initial) {
                            return; // a reload came first and applied its configuration
                        }
                        scheduler.apply(initial);
                    }
                    LOG.atInfo().addKeyValue("config", initial.source()).addKeyValue("targets", initial.targets().size())
                        .addKeyValue("version", build.version()).log("agent started");
                } catch (InterruptedException closing) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException | Error e) {
                    LOG.atError().addKeyValue("error", UnexpectedError.describe(e)).setCause(UnexpectedError.scrub(e))
                        .log("cannot start probing");
                }
            });
        } catch (RejectedExecutionException closed) {
            // closed before the server started
        }
    }

    /**
     * The client library's JVM and process metrics, except the native-memory ones: they exist only with Native Memory
     * Tracking on (the launcher leaves it off), and finding that out starts the platform MBean server and the
     * diagnostic commands, which cost the first scrape after start about 200 ms.
     */
    static void registerJvmMetrics(io.prometheus.metrics.model.registry.PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
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
        List<ConfigError> errors;
        try {
            VigilConfig next = load();
            scheduler.apply(next);
            config = next;
            status = new ReloadStatus(true, System.currentTimeMillis(), before.reloads() + 1, before.failures(),
                List.of(), next.source());
            LOG.atInfo().addKeyValue("config", next.source()).addKeyValue("targets", next.targets().size())
                .log("configuration reloaded");
            return status;
        } catch (ConfigException e) {
            errors = e.errors();
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // the scheduler applies all or nothing, so the previous configuration still runs
            errors = List.of(new ConfigError(configFile, 0, 0, "", "reload failed: " + UnexpectedError.describe(e)));
            LOG.atError().addKeyValue("error", UnexpectedError.describe(e)).setCause(UnexpectedError.scrub(e))
                .log("configuration reload failed");
        }
        status = new ReloadStatus(false, before.lastSuccessMillis(), before.reloads() + 1, before.failures() + 1,
            errors, before.source());
        errors.forEach(err -> LOG.atError().addKeyValue("error", err.toString())
            .log("configuration reload refused; the previous configuration keeps running"));
        return status;
    }

    /**
     * {@link #reload()} on the agent's own reload thread, never on the caller's: an HTTP event loop must not read a
     * file or parse it. Requests that come while a reload waits to start share its result (it reads the file after
     * they asked), so a storm of requests queues at most one reload behind the running one.
     */
    public CompletableFuture<ReloadStatus> reloadAsync() {
        synchronized (reloadLock) {
            if (pendingReload != null) {
                return pendingReload;
            }
            CompletableFuture<ReloadStatus> next = new CompletableFuture<>();
            pendingReload = next;
            try {
                reloads.execute(() -> {
                    synchronized (reloadLock) {
                        if (pendingReload == next) {
                            pendingReload = null;
                        }
                    }
                    try {
                        next.complete(reload());
                    } catch (Throwable t) {
                        next.completeExceptionally(t);
                    }
                });
            } catch (RejectedExecutionException e) {
                pendingReload = null;
                next.completeExceptionally(e);
            }
            return next;
        }
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

    /** Config loaded, every target of it probed once, and the scheduler still able to run targets. */
    public boolean ready() {
        return scheduler.firstRoundDone() && scheduler.failure().isEmpty();
    }

    @PreDestroy
    @Override
    public void close() {
        reloads.shutdownNow();
        scheduler.close();
    }
}
