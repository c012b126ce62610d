package dev.vigil.probe;

import dev.vigil.config.Durations;
import dev.vigil.config.Section;
import java.time.Duration;

/**
 * When and for how long a target is probed.
 *
 * @param interval time between the starts of two runs
 * @param timeout  the deadline of one run; never longer than the interval (an inherited one is cut to it)
 * @param jitter   the first run starts at a random point in {@code [0, jitter)}, so targets do not all fire at boot
 */
public record Timing(Duration interval, Duration timeout, Duration jitter) {
    public static final Timing BUILT_IN = new Timing(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5));

    /** Bounds of {@code interval}: below, a probe's own cost dominates; above, the target is not watched. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofDays(7);
    /** Bounds of {@code timeout} (it is also never longer than the interval). */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    /** Bound of {@code jitter} (a jitter longer than the interval is cut to it). */
    public static final Duration MAX_JITTER = MAX_INTERVAL;

    /** Reads {@code interval}, {@code timeout} and {@code jitter} from {@code s}, inheriting what it does not set. */
    public static Timing read(Section s, Timing inherited) {
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
        return ok ? new Timing(interval, timeout, jitter) : inherited;
    }
}
