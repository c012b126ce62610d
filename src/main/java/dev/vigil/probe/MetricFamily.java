package dev.vigil.probe;

import java.util.List;

/**
 * The declaration of one metric a probe kind exports: name, type, help and label names. Kinds keep theirs as
 * constants in one class, so the kind's reference (the README.md of its package), the golden files and the code name the same things.
 */
public record MetricFamily(String name, Type type, String help, List<String> labelNames) {
    public enum Type { GAUGE, COUNTER, INFO }

    public MetricFamily {
        labelNames = List.copyOf(labelNames);
        if (type == Type.COUNTER && !name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + " must end in _total");
        }
        if (type == Type.INFO && !name.endsWith("_info")) {
            throw new IllegalArgumentException("info metric " + name + " must end in _info");
        }
    }

    public static MetricFamily gauge(String name, String help, String... labels) {
        return new MetricFamily(name, Type.GAUGE, help, List.of(labels));
    }

    public static MetricFamily counter(String name, String help, String... labels) {
        return new MetricFamily(name, Type.COUNTER, help, List.of(labels));
    }

    public static MetricFamily info(String name, String help, String... labels) {
        return new MetricFamily(name, Type.INFO, help, List.of(labels));
    }

    /** A sample of this family; label values in the order of {@link #labelNames()}. */
    public Sample sample(double value, String... labelValues) {
        return new Sample(this, List.of(labelValues), value);
    }
}
