package dev.vigil.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Windowed quantiles from bucket deltas, compared with what Prometheus' histogram_quantile gives for the same data. */
class HistogramTest {
    private static final String[] LE = {"0.001", "0.002", "0.004", "0.008", "0.016", "+Inf"};

    private static Histogram h(double sum, double... cumulative) throws Exception {
        Histogram.Builder b = new Histogram.Builder();
        for (int i = 0; i < cumulative.length; i++) {
            b.bucket(LE[i], cumulative[i]);
        }
        b.sum(sum);
        b.count(cumulative[cumulative.length - 1]);
        return b.build();
    }

    @Test
    void quantileInterpolatesWithinTheBucketLikeHistogramQuantile() throws Exception {
        // 10 at or below 1 ms, 2 more below 2 ms: rank 11.88 falls in (1 ms, 2 ms] at 1.88 of its 2
        assertEquals(0.00194, h(0.0068, 10, 12, 12, 12, 12, 12).quantile(0.99), 1e-12);
        assertEquals(0.0005, h(0, 10, 10, 10, 10, 10, 10).quantile(0.5), 1e-12, "first bucket starts at 0");
        assertEquals(0.016, h(9, 0, 0, 0, 0, 0, 4).quantile(0.99), "beyond the last finite bound: that bound");
        assertTrue(Double.isNaN(h(0, 0, 0, 0, 0, 0, 0).quantile(0.99)), "no observation, no quantile");
        assertTrue(Double.isNaN(Histogram.NONE.quantile(0.99)));
    }

    @Test
    void theWindowIsTheBucketDeltaSoOldFastFsyncsDoNotHideNewSlowOnes() throws Exception {
        Histogram before = h(0.5, 1000, 1000, 1000, 1000, 1000, 1000);
        Histogram after = h(1.5, 1000, 1000, 1000, 1000, 1010, 1010);
        assertEquals(0.001, after.quantile(0.99), 1e-6, "the cumulative p99 still says 1 ms");
        Histogram window = after.since(before);
        assertEquals(10, window.count());
        assertEquals(1.0, window.sum(), 1e-9);
        assertEquals(0.008 + 0.008 * 9.9 / 10, window.quantile(0.99), 1e-9, "the window says 16 ms");
    }

    @Test
    void noNewObservationsGiveNoQuantile() throws Exception {
        Histogram same = h(0.5, 10, 12, 12, 12, 12, 12);
        assertTrue(Double.isNaN(same.since(same).quantile(0.99)));
    }

    @Test
    void aCounterResetMeansEverythingNowHappenedSinceTheRestart() throws Exception {
        Histogram before = h(5, 1000, 2000, 3000, 3000, 3000, 3000);
        Histogram restarted = h(0.1, 0, 0, 0, 5, 5, 5);
        assertEquals(restarted, restarted.since(before));
        // a bucket went down although the count did not: a restart too
        Histogram odd = h(6, 900, 2100, 3100, 3100, 3100, 3100);
        assertEquals(odd, odd.since(before));
        assertEquals(before, before.since(Histogram.NONE));
    }

    @Test
    void linesOfOneBoundAddUpAndTheBucketsAreBounded() throws Exception {
        Histogram.Builder b = new Histogram.Builder();
        b.bucket("0.1", 1);
        b.bucket("+Inf", 2);
        b.bucket("0.1", 3);
        b.bucket("+Inf", 4);
        Histogram h = b.build();
        assertEquals(4, h.cumulative()[0]);
        assertEquals(6, h.observations());
        Histogram.Builder many = new Histogram.Builder();
        for (int i = 0; i < Histogram.MAX_BUCKETS; i++) {
            many.bucket(Integer.toString(i), i);
        }
        assertThrows(dev.vigil.net.BadResponse.class, () -> many.bucket("+Inf", 1));
        assertThrows(dev.vigil.net.BadResponse.class, () -> new Histogram.Builder().bucket("fast", 1));
        assertThrows(dev.vigil.net.BadResponse.class, () -> new Histogram.Builder().bucket("NaN", 1));
    }
}
