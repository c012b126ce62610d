package dev.vigil.metrics;

import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Sample;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes samples of {@link MetricFamily families} straight into the text exposition formats, byte for byte what the
 * Prometheus client's writers produce for the same snapshots (labels in name order, values as
 * {@link Double#toString}, the same escaping), so that rendered lines can be cached per target and concatenated.
 * A sample line is the same in text 0.0.4 and OpenMetrics 1.0; only the family headers differ.
 */
final class SeriesText {
    /** Per family: label order, sample-name prefix and both headers, computed once. */
    record Family(MetricFamily family, int[] order, byte[][] labelPrefixes, byte[] sampleName, byte[] textHeader,
                  byte[] openMetricsHeader) {
    }

    private static final ConcurrentHashMap<MetricFamily, Family> FAMILIES = new ConcurrentHashMap<>();

    private SeriesText() {
    }

    static Family family(MetricFamily f) {
        Family known = FAMILIES.get(f);
        return known != null ? known : FAMILIES.computeIfAbsent(f, SeriesText::describe);
    }

    private static Family describe(MetricFamily f) {
        List<String> names = f.labelNames();
        Integer[] idx = new Integer[names.size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparing(names::get));
        int[] order = new int[idx.length];
        byte[][] prefixes = new byte[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            order[i] = idx[i];
            prefixes[i] = ((i == 0 ? "{" : ",") + names.get(idx[i]) + "=\"").getBytes(StandardCharsets.UTF_8);
        }
        String name = f.name();
        String base;
        String textType;
        String omType;
        switch (f.type()) {
            case COUNTER -> {
                base = name.substring(0, name.length() - "_total".length());
                textType = "counter";
                omType = "counter";
            }
            case INFO -> {
                base = name.substring(0, name.length() - "_info".length());
                textType = "gauge";
                omType = "info";
            }
            default -> {
                base = name;
                textType = "gauge";
                omType = "gauge";
            }
        }
        String text = "# HELP " + name + " " + escapeHelp(f.help(), false) + "\n# TYPE " + name + " " + textType + "\n";
        String om = "# TYPE " + base + " " + omType + "\n# HELP " + base + " " + escapeHelp(f.help(), true) + "\n";
        return new Family(f, order, prefixes, name.getBytes(StandardCharsets.UTF_8),
            text.getBytes(StandardCharsets.UTF_8), om.getBytes(StandardCharsets.UTF_8));
    }

    private static String escapeHelp(String help, boolean openMetrics) {
        StringBuilder b = new StringBuilder(help.length());
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '"' -> b.append(openMetrics ? "\\\"" : "\"");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Appends one sample line to {@code out} and returns where its value starts (what precedes it, the name and
     * labels, is the sample's identity within its family).
     */
    static int write(Family fam, Sample s, Buffer out) {
        out.write(fam.sampleName);
        List<String> values = s.labelValues();
        for (int i = 0; i < fam.order.length; i++) {
            out.write(fam.labelPrefixes[i]);
            out.writeEscaped(values.get(fam.order[i]));
            out.write('"');
        }
        if (fam.order.length > 0) {
            out.write('}');
        }
        out.write(' ');
        int valueAt = out.size();
        if (fam.family.type() == MetricFamily.Type.INFO) {
            out.write('1');
        } else {
            out.writeAscii(formatDouble(s.value()));
        }
        out.write('\n');
        return valueAt;
    }

    static String formatDouble(double d) {
        if (d == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        return Double.toString(d);
    }

    /** A growable byte buffer that writes strings as UTF-8 with the exposition's label-value escaping. */
    static final class Buffer extends ByteArrayOutputStream {
        Buffer(int size) {
            super(size);
        }

        @Override
        public void write(byte[] b) {
            write(b, 0, b.length);
        }

        void writeAscii(String s) {
            for (int i = 0; i < s.length(); i++) {
                write(s.charAt(i));
            }
        }

        void writeEscaped(String s) {
            int n = s.length();
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    write('\\');
                    write('\\');
                } else if (c == '"') {
                    write('\\');
                    write('"');
                } else if (c == '\n') {
                    write('\\');
                    write('n');
                } else if (c < 0x80) {
                    write(c);
                } else {
                    int end = i + 1;
                    while (end < n && s.charAt(end) >= 0x80) {
                        end++;
                    }
                    write(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                    i = end - 1;
                }
            }
        }

        byte[] array() {
            return buf;
        }
    }

    /** The lines of one family contributed by one source (a target, or the agent itself). */
    record Chunk(Family family, byte[] lines, int[] ends, String[] keys) {
        static Chunk of(Family family, Buffer buffer, List<Integer> ends, List<String> keys) {
            int[] e = new int[ends.size()];
            for (int i = 0; i < e.length; i++) {
                e[i] = ends.get(i);
            }
            return new Chunk(family, buffer.toByteArray(), e, keys.toArray(new String[0]));
        }
    }

    /** Builds the chunks of one source: samples grouped by family in first-seen order, a repeated series dropped. */
    static final class ChunkBuilder {
        private final java.util.LinkedHashMap<String, Pending> byName = new java.util.LinkedHashMap<>();
        private final Buffer scratch = new Buffer(256);

        private static final class Pending {
            final Family family;
            final Buffer buffer = new Buffer(512);
            final List<Integer> ends = new ArrayList<>();
            final List<String> keys = new ArrayList<>();
            final java.util.HashSet<String> seen = new java.util.HashSet<>();

            Pending(Family family) {
                this.family = family;
            }
        }

        void add(Sample s) {
            MetricFamily f = s.family();
            Pending p = byName.get(f.name());
            if (p == null) {
                p = new Pending(family(f));
                byName.put(f.name(), p);
            } else if (!p.family.family().equals(f)) {
                VigilCollector.declaredTwice(f.name());
                return;
            }
            scratch.reset();
            int valueAt = write(p.family, s, scratch);
            String key = new String(scratch.array(), 0, valueAt, StandardCharsets.UTF_8);
            if (!p.seen.add(key)) {
                return;
            }
            p.buffer.write(scratch.array(), 0, scratch.size());
            p.ends.add(p.buffer.size());
            p.keys.add(key);
        }

        List<Chunk> build() {
            List<Chunk> out = new ArrayList<>(byName.size());
            byName.values().forEach(p -> out.add(Chunk.of(p.family, p.buffer, p.ends, p.keys)));
            return out;
        }
    }
}
