package dev.vigil.probe;

import java.util.List;

/** One value of a metric family with its label values (same order as the family's label names). */
public record Sample(MetricFamily family, List<String> labelValues, double value) {
    public Sample {
        labelValues = List.copyOf(labelValues);
        if (labelValues.size() != family.labelNames().size()) {
            throw new IllegalArgumentException(family.name() + " takes labels " + family.labelNames()
                + ", got " + labelValues.size() + " values");
        }
    }
}
