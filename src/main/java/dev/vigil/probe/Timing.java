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
        return ok ? new Timing(interval, timeout, jitter, whenPresent) : inherited;
    }
}
