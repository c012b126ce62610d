package dev.vigil.backup;

import dev.vigil.config.HostPaths;
import dev.vigil.config.Section;
import dev.vigil.probe.CommandLineYaml;
import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Probe;
import dev.vigil.probe.ProbeKind;
import dev.vigil.probe.Target;
import dev.vigil.probe.TargetList;
import dev.vigil.probe.Timing;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * Kind {@code backup} (section {@code backups:}): is every backup set of this node fresh for its schedule, of a sane
 * size, and readable to its end?
 */
public final class BackupKind implements ProbeKind {
    public static final String NAME = "backup";

    static final MetricFamily LAST = MetricFamily.gauge("vigil_backup_last_timestamp_seconds",
        "Time of the newest valid backup of the set (file modification time); 0 when there is none.", "target");
    static final MetricFamily SIZE = MetricFamily.gauge("vigil_backup_size_bytes",
        "Size of the newest finished backup of the set.", "target");
    static final MetricFamily COUNT = MetricFamily.gauge("vigil_backup_copies",
        "Finished backups of the set present now.", "target");
    static final MetricFamily KEEP = MetricFamily.gauge("vigil_backup_keep",
        "The number of backups the set is configured to keep.", "target");
    static final MetricFamily INTERVAL = MetricFamily.gauge("vigil_backup_expected_interval_seconds",
        "Time between two expected backups of the set, from its schedule.", "target");
    static final MetricFamily OVERDUE = MetricFamily.gauge("vigil_backup_overdue_seconds",
        "How long the set has been late for its schedule and grace; 0 when on time.", "target");
    static final MetricFamily SIZE_CHANGE = MetricFamily.gauge("vigil_backup_size_change_ratio",
        "Size of the newest finished backup divided by the size of the one before it.", "target");
    static final MetricFamily INTEGRITY = MetricFamily.gauge("vigil_backup_integrity_ok",
        "1 if the newest finished backup passed its content check; reason says what was found.", "target", "reason");
    static final MetricFamily IN_PROGRESS = MetricFamily.gauge("vigil_backup_in_progress",
        "1 while a backup of the set is still being written (not judged yet).", "target");
    static final MetricFamily PENDING = MetricFamily.gauge("vigil_backup_verification_pending",
        "1 while the content check of the newest backup is still running in the background.", "target");
    static final MetricFamily FILES = MetricFamily.gauge("vigil_backup_files",
        "Files in the newest complete snapshot (rsync_tree).", "target");
    static final MetricFamily HARDLINKS = MetricFamily.gauge("vigil_backup_hardlink_ratio",
        "Share of the newest snapshot's files that are hard links into the previous one (rsync_tree).", "target");
    static final MetricFamily INFO = MetricFamily.info("vigil_backup_info",
        "The set's format and location.", "target", "format", "path");

    private final Verifier verifier = new Verifier();
    private final Clock clock;

    public BackupKind() {
        this(Clock.systemUTC());
    }

    BackupKind(Clock clock) {
        this.clock = clock;
    }

    /** Settings of one backup set. */
    record Spec(String format, String path, Schedule schedule, long minSize, int keep, Duration settle,
                long verifyBytesPerSecond, java.net.URI url, String location, dev.vigil.net.IpFamily ipFamily) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String section() {
        return "backups";
    }

    @Override
    public List<Target> parse(Section section, Timing defaults) {
        Timing sectionTiming = Timing.read(section, defaults.with(Duration.ofMinutes(1), defaults.timeout(), defaults.jitter()));
        TargetList out = new TargetList();
        for (Section s : section.sections("sets")) {
            String name = s.requiredString("name");
            String format = s.choice("kind", "file", BackupFormats.KINDS);
            if (!s.has("kind")) {
                s.error("kind", "missing required key (one of " + String.join(", ", BackupFormats.KINDS) + ")");
            }
            boolean clickhouse = "clickhouse_backup".equals(format);
            String path = clickhouse ? s.string("path", "") : s.requiredString("path");
            java.net.URI url = null;
            String location = s.choice("location", "any", List.of("any", "local", "remote"));
            if (clickhouse && !s.has("url") && path.isEmpty()) {
                s.error("", "kind clickhouse_backup needs url (its REST API) or path (its local backup directory,"
                    + " e.g. /var/lib/clickhouse/backup)");
            } else if (clickhouse && s.has("url")) {
                String u = s.requiredString("url");
                try {
                    url = java.net.URI.create(u.endsWith("/") ? u : u + "/").resolve("backup/list");
                    if (url.getHost() == null || !List.of("http", "https").contains(url.getScheme())) {
                        throw new IllegalArgumentException();
                    }
                } catch (IllegalArgumentException e) {
                    if (!u.isEmpty()) {
                        s.error("url", "\"" + u + "\" is not an http:// URL of clickhouse-backup's API (e.g. http://127.0.0.1:7171)");
                    }
                    url = null;
                }
            } else if (s.has("url")) {
                s.error("url", "only kind clickhouse_backup reads an API; other kinds read files at path");
            }
            dev.vigil.net.IpFamily family = dev.vigil.net.IpFamily.of(s.choice("ip_family", "any",
                dev.vigil.net.IpFamily.NAMES));
            if (s.has("ip_family") && !(clickhouse && s.has("url"))) {
                s.error("ip_family", "applies to the url of kind clickhouse_backup only (other backups are files)");
            }
            Schedule schedule = schedule(s);
            long minSize = s.size("min_size", 1, 0, 1L << 50);
            int keep = s.integer("keep", 0, 0, 100_000);
            Duration settle = s.duration("settle", Duration.ofMinutes(1), Duration.ZERO, Duration.ofDays(7));
            long rate = s.size("verify_rate", 64L << 20, 1L << 10, 1L << 40);
            Timing timing = Timing.read(s, sectionTiming);
            s.finish();
            if (name.isEmpty() || (clickhouse ? url == null && path.isEmpty() : path.isEmpty()) || schedule == null) {
                continue;
            }
            out.add(s, new Target(NAME, name, timing, new Spec(format, url != null ? url.toString() : path, schedule,
                minSize, keep, settle, rate, url, location, family)));
        }
        section.finish();
        return out.toList();
    }

    /** Bounds of a backup schedule's {@code every}. */
    static final Duration MIN_EVERY = Duration.ofMinutes(1);
    static final Duration MAX_EVERY = Duration.ofDays(366);

    private static Schedule schedule(Section s) {
        Duration grace = s.duration("grace", Duration.ZERO, Duration.ZERO, Duration.ofDays(366));
        String zoneName = s.string("timezone", "");
        ZoneId zone = ZoneId.systemDefault();
        if (!zoneName.isEmpty()) {
            try {
                zone = ZoneId.of(zoneName);
            } catch (DateTimeException e) {
                s.error("timezone", "unknown time zone \"" + zoneName + "\" (e.g. UTC, Europe/Berlin)");
            }
        }
        boolean hasEvery = s.has("every");
        boolean hasCron = s.has("cron");
        if (hasEvery == hasCron) {
            s.error(hasEvery ? "cron" : "", hasEvery ? "set either every or cron, not both"
                : "missing the schedule: every (e.g. 24h) or cron (e.g. \"0 3 * * *\")");
            s.duration("every", MIN_EVERY, MAX_EVERY);
            s.string("cron");
            return null;
        }
        if (hasEvery) {
            Duration every = s.duration("every", MIN_EVERY, MAX_EVERY).orElse(null);
            return every == null ? null : new Schedule(every, null, zone, grace);
        }
        try {
            return new Schedule(null, CronSchedule.parse(s.string("cron").orElseThrow()), zone, grace);
        } catch (IllegalArgumentException e) {
            s.error("cron", e.getMessage());
            return null;
        }
    }

    /** Freshness, the newest backup's integrity verdict, and clickhouse-backup's API failures. */
    static final List<String> REASONS = java.util.stream.Stream.concat(java.util.stream.Stream.of("overdue", "no_backup", "too_small",
        "broken", BackupProbe.CLOCK_SKEW, dev.vigil.net.Reasons.DNS, dev.vigil.net.Reasons.CONNECT_REFUSED,
        dev.vigil.net.Reasons.CONNECT_TIMEOUT, dev.vigil.net.Reasons.CONNECT_UNREACHABLE, dev.vigil.net.Reasons.CONNECT_FAILED,
        dev.vigil.net.Reasons.HANDSHAKE_FAILED, dev.vigil.net.Reasons.HTTP_STATUS, dev.vigil.net.Reasons.BAD_RESPONSE,
        dev.vigil.net.Reasons.TOO_LARGE),
        Integrity.REASONS.stream().filter(r -> !r.equals(Integrity.OK))).toList();

    @Override
    public Probe create(Target target, HostPaths hostPaths) {
        return new BackupProbe(target.name(), target.spec(Spec.class), hostPaths, clock, verifier);
    }

    @Override
    public List<MetricFamily> metrics() {
        return List.of(LAST, SIZE, COUNT, KEEP, INTERVAL, OVERDUE, SIZE_CHANGE, INTEGRITY, IN_PROGRESS, PENDING, FILES,
            HARDLINKS, INFO);
    }

    @Override
    public List<String> reasons() {
        return REASONS;
    }

    @Override
    public Class<?> specType() {
        return Spec.class;
    }

    @Override
    public List<String> commandLineExample() {
        return List.of("/nonexistent/vigil/*.dump", "--kind", "file");
    }

    /** {@code vigil probe backup PATH --kind pg_dump --every 24h}. */
    @Override
    public String commandLineSection(String target, Map<String, String> options) {
        StringBuilder yaml = new StringBuilder("sets:\n  - name: ").append(CommandLineYaml.quote(target)).append('\n')
            .append("    path: ").append(CommandLineYaml.quote(target)).append('\n');
        if (!options.containsKey("every") && !options.containsKey("cron")) {
            yaml.append("    every: 24h\n");
        }
        options.forEach((k, v) -> yaml.append("    ").append(k).append(": ").append(CommandLineYaml.quote(v)).append('\n'));
        return yaml.toString();
    }

    @Override
    public boolean inDefaultConfiguration() {
        return true;
    }
}
