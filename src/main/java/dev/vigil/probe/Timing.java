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

    /** Reads {@code interval}, {@code timeout} and {@code jitter} from {@code s}, inheriting what it does not set. */
    public static Timing read(Section s, Timing inherited) {
        Duration interval = s.duration("interval", inherited.interval);
        Duration timeout = s.duration("timeout", inherited.timeout);
        Duration jitter = s.duration("jitter", inherited.jitter);
        boolean ok = true;
        if (interval.isZero()) {
            s.error("interval", "must be greater than zero");
            ok = false;
        }
        if (timeout.isZero()) {
            s.error("timeout", "must be greater than zero");
            ok = false;
        }
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
