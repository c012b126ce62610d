package dev.vigil.etcd;

import dev.vigil.net.BadResponse;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * One cumulative Prometheus histogram as etcd exposes it ({@code _bucket{le}}, {@code _sum}, {@code _count}), small
 * enough to keep between two runs: at most {@link #MAX_BUCKETS} bounds. The agent turns two of them into the
 * latency of the window between the runs ({@link #since}, {@link #quantile}), so Prometheus need not store every
 * bucket of every member to know "this node's disk is slow".
 *
 * @param bounds     upper bounds, ascending, the last {@code +Inf}
 * @param cumulative observations at or below each bound
 */
record Histogram(double[] bounds, double[] cumulative, double sum, double count) {
    /** etcd's histograms have 14 to 16 buckets; a family with more is not the one vigil reads. */
    static final int MAX_BUCKETS = 64;
    static final Histogram NONE = new Histogram(new double[0], new double[0], 0, 0);

    boolean present() {
        return bounds.length > 0;
    }

    /**
     * The observations made between {@code previous} and this one. A counter that went down (the member restarted)
     * or a change of bounds (an upgrade) means everything in this histogram happened since the restart, which is
     * what Prometheus' {@code increase} assumes too.
     */
    Histogram since(Histogram previous) {
        if (!previous.present() || !Arrays.equals(bounds, previous.bounds) || count < previous.count) {
            return this;
        }
        double[] delta = new double[cumulative.length];
        for (int i = 0; i < delta.length; i++) {
            delta[i] = cumulative[i] - previous.cumulative[i];
            if (delta[i] < 0) {
                return this;
            }
        }
        return new Histogram(bounds, delta, Math.max(0, sum - previous.sum), count - previous.count);
    }

    /** Observations in the +Inf bucket: the total, whatever {@code _count} says. */
    double observations() {
        return present() ? cumulative[cumulative.length - 1] : 0;
    }

    /**
     * The q-quantile the way Prometheus' {@code histogram_quantile} estimates it: linear within the bucket that holds
     * the rank, the highest finite bound when the rank falls in the +Inf bucket. NaN without observations.
     */
    double quantile(double q) {
        double total = observations();
        if (!present() || total <= 0 || bounds[bounds.length - 1] != Double.POSITIVE_INFINITY) {
            return Double.NaN;
        }
        double rank = q * total;
        int b = 0;
        while (b < cumulative.length - 1 && cumulative[b] < rank) {
            b++;
        }
        if (b == bounds.length - 1) {
            return bounds.length > 1 ? bounds[b - 1] : Double.NaN;
        }
        double start = b == 0 ? 0 : bounds[b - 1];
        double below = b == 0 ? 0 : cumulative[b - 1];
        double inBucket = cumulative[b] - below;
        if (b == 0 && bounds[0] <= 0) {
            return bounds[0];
        }
        return inBucket <= 0 ? bounds[b] : start + (bounds[b] - start) * (rank - below) / inBucket;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Histogram h && Arrays.equals(bounds, h.bounds) && Arrays.equals(cumulative, h.cumulative)
            && Double.compare(sum, h.sum) == 0 && Double.compare(count, h.count) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds) * 31 + Arrays.hashCode(cumulative);
    }

    @Override
    public String toString() {
        return "Histogram{count=" + count + ", sum=" + sum + ", buckets=" + bounds.length + "}";
    }

    /**
     * Collects the lines of one histogram as they stream by; lines of the same bound add up, so several label sets
     * (the gRPC methods) make one histogram.
     */
    static final class Builder {
        private final TreeMap<Double, Double> buckets = new TreeMap<>();
        private double sum;
        private double count;

        void bucket(String le, double value) throws BadResponse {
            double bound;
            try {
                bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            } catch (NumberFormatException e) {
                throw new BadResponse("metrics page: histogram bound le=\"" + abbreviate(le) + "\" is no number");
            }
            if (Double.isNaN(bound)) {
                throw new BadResponse("metrics page: histogram bound le=\"NaN\"");
            }
            if (!buckets.containsKey(bound) && buckets.size() >= MAX_BUCKETS) {
                throw new BadResponse("metrics page: a histogram with more than " + MAX_BUCKETS + " buckets");
            }
            buckets.merge(bound, value, Double::sum);
        }

        void sum(double v) {
            sum += v;
        }

        void count(double v) {
            count += v;
        }

        Histogram build() {
            if (buckets.isEmpty()) {
                return NONE;
            }
            double[] b = new double[buckets.size()];
            double[] c = new double[buckets.size()];
            int i = 0;
            for (Map.Entry<Double, Double> e : buckets.entrySet()) {
                b[i] = e.getKey();
                c[i++] = e.getValue();
            }
            return new Histogram(b, c, sum, count);
        }

        private static String abbreviate(String s) {
            return s.length() > 20 ? s.substring(0, 20) + "..." : s;
        }
    }
}
