package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyWindowsTest {
    private static Histogram h(double fast, double slow) throws Exception {
        Histogram.Builder b = new Histogram.Builder();
        b.bucket("0.01", fast);
        b.bucket("1", fast + slow);
        b.bucket("+Inf", fast + slow);
        b.count(fast + slow);
        return b.build();
    }

    private static double run(LatencyWindows w, Histogram h) {
        double p = w.p99("wal", h);
        w.next();
        return p;
    }

    @Test
    void aQuietWindowRepeatsTheLastValueForABoundedNumberOfRunsThenSaysNothing() throws Exception {
        LatencyWindows w = new LatencyWindows();
        assertTrue(Double.isNaN(run(w, h(100, 0))), "no window on the first run");
        assertEquals(0.0099, run(w, h(200, 0)), 1e-9);
        double slow = run(w, h(200, 10));
        assertEquals(0.01 + 0.99 * 9.9 / 10, slow, 1e-9, "only the 10 new fsyncs count, all slow");
        for (int i = 0; i < LatencyWindows.CARRY_RUNS; i++) {
            assertEquals(slow, run(w, h(200, 10)), "quiet run " + (i + 1));
        }
        assertTrue(Double.isNaN(run(w, h(200, 10))), "quiet for too long");
        assertEquals(0.0099, run(w, h(300, 10)), 1e-9, "new observations, new value");
    }

    @Test
    void aHistogramThatLeftThePageIsForgotten() throws Exception {
        LatencyWindows w = new LatencyWindows();
        w.p99("peer a", h(1, 0));
        w.next();
        w.next(); // a run where peer a was not on the page
        assertTrue(Double.isNaN(w.p99("peer a", h(2, 0))), "a new first run");
    }
}
