package dev.vigil.probe;

import dev.vigil.config.Durations;
import dev.vigil.config.Section;
import java.time.Duration;
import java.util.List;

/**
 * When and for how long a target is probed.
 *
 * @param interval time between the starts of two runs
 * @param timeout  the deadline of one run; never longer than the interval (an inherited one is cut to it)
 * @param jitter   the first run starts at a random point in {@code [0, jitter)}, so targets do not all fire at boot
 * @param whenPresent host paths (under {@code --path.rootfs}); when the list is not empty the target is probed only
 *                 while one of them exists, and is reported absent otherwise (a component not installed on this node)
 */
public record Timing(Duration interval, Duration timeout, Duration jitter, List<String> whenPresent) {
    public static final Timing BUILT_IN = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5));

    /** Bounds of {@code interval}: below, a probe's own cost dominates; above, the target is not watched. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofDays(7);
    /** Bounds of {@code timeout} (it is also never longer than the interval). */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    /** Bound of {@code jitter} (a jitter longer than the interval is cut to it). */
    public static final Duration MAX_JITTER = MAX_INTERVAL;

    public Timing {
        whenPresent = List.copyOf(whenPresent);
    }

    public Timing(Duration interval, Duration timeout, Duration jitter) {
        this(interval, timeout, jitter, List.of());
    }

    /** The same timing with another interval, timeout and jitter; the presence condition is kept. */
    public Timing with(Duration interval, Duration timeout, Duration jitter) {
        return new Timing(interval, timeout, jitter, whenPresent);
    }

    /**
     * Reads {@code interval}, {@code timeout}, {@code jitter} and {@code when_present} from {@code s}, inheriting what
     * it does not set. A target whose {@code when_present} paths are all missing at load marks its section so that its
     * file checks ({@link Section#readableFile}) wait for the component to be installed.
     */
    public static Timing read(Section s, Timing inherited) {
        List<String> whenPresent = inherited.whenPresent;
        if (s.has("when_present")) {
            whenPresent = s.strings("when_present");
            for (String p : whenPresent) {
                if (!p.startsWith("/")) {
                    s.error("when_present", "\"" + p + "\" is not an absolute host path");
                }
            }
        }
        if (!whenPresent.isEmpty() && !Presence.anyExists(s.reader().hostPaths(), whenPresent)) {
            s.componentAbsent();
        }
        Duration interval = s.duration("interval", MIN_INTERVAL, MAX_INTERVAL).orElse(null);
        Duration timeout = s.duration("timeout", MIN_TIMEOUT, MAX_INTERVAL).orElse(null);
        Duration jitter = s.duration("jitter", inherited.jitter, Duration.ZERO, MAX_JITTER);
        boolean ok = (interval != null || !s.has("interval")) && (timeout != null || !s.has("timeout"));
        interval = interval == null ? inherited.interval : interval;
        timeout = timeout == null ? inherited.timeout : timeout;
        if (ok && timeout.compareTo(interval) > 0) {
            if (s.has("timeout")) {
                s.error("timeout", "timeout (" + Durations.format(timeout) + ") must not be longer than interval ("
                    + Durations.format(interval) + ")");
                ok = false;
            } else {
                // as Prometheus does for scrape_timeout: an inherited timeout longer than the interval is cut to it
                timeout = interval;
            }
        }
        return ok ? new Timing(interval, timeout, jitter, whenPresent) : inherited;
    }
}
