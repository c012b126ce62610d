package dev.vigil.probe;

import java.util.ArrayList;
import java.util.List;

/**
 * The limits every kind's output obeys, applied in one place (where a run's result is published), so no target can
 * make a scrape unbounded whatever it answers: a label value is cut to {@link #MAX_LABEL_VALUE_LENGTH} characters
 * (ending in {@code ...}) and a target has at most {@link #MAX_SERIES_PER_TARGET} series. What was cut is counted in
 * {@code vigil_probe_label_values_truncated} and {@code vigil_probe_series_dropped}. Kinds that hold data from a
 * target in memory while parsing (cAdvisor) cut with {@link #cap} as they read, so memory stays bounded too.
 */
public final class SeriesLimits {
    public static final int MAX_LABEL_VALUE_LENGTH = 512;
    public static final int MAX_SERIES_PER_TARGET = 20_000;

    private SeriesLimits() {
    }

    /** {@code value} cut to the label length limit. */
    public static String cap(String value) {
        return value.length() <= MAX_LABEL_VALUE_LENGTH ? value : value.substring(0, MAX_LABEL_VALUE_LENGTH - 3) + "...";
    }

    /** A result within the limits, and what was cut to get there. */
    public record Limited(ProbeResult result, int labelValuesTruncated, int seriesDropped) {
    }

    public static Limited apply(ProbeResult r) {
        List<Sample> samples = r.samples();
        int dropped = Math.max(0, samples.size() - MAX_SERIES_PER_TARGET);
        boolean long_ = false;
        for (int i = 0; i < samples.size() - dropped && !long_; i++) {
            for (String v : samples.get(i).labelValues()) {
                if (v.length() > MAX_LABEL_VALUE_LENGTH) {
                    long_ = true;
                    break;
                }
            }
        }
        if (dropped == 0 && !long_) {
            return new Limited(r, 0, 0);
        }
        int truncated = 0;
        List<Sample> kept = new ArrayList<>(samples.size() - dropped);
        for (Sample s : samples.subList(0, samples.size() - dropped)) {
            List<String> values = s.labelValues();
            String[] capped = null;
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).length() > MAX_LABEL_VALUE_LENGTH) {
                    if (capped == null) {
                        capped = values.toArray(new String[0]);
                    }
                    capped[i] = cap(values.get(i));
                    truncated++;
                }
            }
            kept.add(capped == null ? s : new Sample(s.family(), List.of(capped), s.value()));
        }
        return new Limited(new ProbeResult(r.success(), r.reason(), r.message(), kept, r.details()), truncated, dropped);
    }
}
