package dev.vigil.etcd;

import java.util.HashMap;
import java.util.Map;

/**
 * Latency over the window between two runs of one local probe: the 99th percentile of the observations a histogram
 * gained since the previous run, estimated from the bucket deltas as Prometheus' {@code histogram_quantile} over an
 * {@code increase} would.
 *
 * <p>A window without a new observation repeats the last p99 for up to {@link #CARRY_RUNS} runs, then gives NaN:
 * etcd observes a peer's round trip only every 30 s and an idle member fsyncs rarely, so without it the value would
 * blink between a number and NaN and no {@code for:} would ever hold; with the bound, a member that went quiet stops
 * reporting old latency. The first run has no window: NaN. Keeps only the histograms of the last page, so a peer that
 * left is forgotten. Runs of one probe never overlap.
 */
final class LatencyWindows {
    static final double QUANTILE = 0.99;
    /** 5 minutes at the default 30 s interval. */
    static final int CARRY_RUNS = 10;

    private record Window(Histogram seen, double p99, int quietRuns) {
    }

    private Map<String, Window> previous = new HashMap<>();
    private Map<String, Window> current = new HashMap<>();

    /** The windowed p99 of histogram {@code key} given its value now; remembered for the next run. */
    double p99(String key, Histogram now) {
        if (!now.present()) {
            return Double.NaN;
        }
        Window before = previous.get(key);
        Window w;
        if (before == null) {
            w = new Window(now, Double.NaN, CARRY_RUNS);
        } else {
            Histogram delta = now.since(before.seen);
            if (delta.observations() > 0) {
                w = new Window(now, delta.quantile(QUANTILE), 0);
            } else {
                int quiet = before.quietRuns + 1;
                w = new Window(now, quiet > CARRY_RUNS ? Double.NaN : before.p99, quiet);
            }
        }
        current.put(key, w);
        return w.p99;
    }

    /** Ends a run: what was seen in it becomes the start of the next window. */
    void next() {
        previous = current;
        current = new HashMap<>();
    }
}
