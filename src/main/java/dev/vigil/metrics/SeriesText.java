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

    /**
     * The lines of one source (a target, or the agent itself) in one array, family after family in first-seen order:
     * segment {@code i} holds the lines of {@code families[i]}. For a family whose series may repeat across sources
     * (keyed), each of its lines is also recorded: where it ends, where its value starts (what precedes is the
     * series' identity) and a hash of that identity, lines {@code lineFrom[i]} to {@code lineFrom[i + 1]}.
     */
    static final class Lines {
        final Family[] families;
        final byte[] text;
        final int[] segmentEnds;
        final int[] lineFrom;
        final int[] lineStarts;
        final int[] valueStarts;
        final long[] hashes;

        Lines(Family[] families, byte[] text, int[] segmentEnds, int[] lineFrom, int[] lineStarts, int[] valueStarts,
              long[] hashes) {
            this.families = families;
            this.text = text;
            this.segmentEnds = segmentEnds;
            this.lineFrom = lineFrom;
            this.lineStarts = lineStarts;
            this.valueStarts = valueStarts;
            this.hashes = hashes;
        }

        /** One segment of unkeyed lines. */
        static Lines of(Family family, byte[] text) {
            return new Lines(new Family[] {family}, text, new int[] {text.length}, new int[2], new int[0], new int[0],
                new long[0]);
        }

        int segments() {
            return families.length;
        }

        int segmentStart(int i) {
            return i == 0 ? 0 : segmentEnds[i - 1];
        }

        int segmentLength(int i) {
            return segmentEnds[i] - segmentStart(i);
        }

        boolean keyed(int segment) {
            return lineFrom[segment + 1] > lineFrom[segment];
        }

        /** Where keyed line {@code line} ends: after the newline that follows its value (a value has none). */
        int lineEnd(int line) {
            int i = valueStarts[line];
            while (text[i] != '\n') {
                i++;
            }
            return i + 1;
        }

        boolean sameKey(int line, Lines other, int otherLine) {
            return Arrays.equals(text, lineStarts[line], valueStarts[line], other.text, other.lineStarts[otherLine],
                other.valueStarts[otherLine]);
        }
    }

    /**
     * Builds the lines of one source: samples grouped by family in first-seen order, a repeated series dropped (the
     * first value stays). Reusable: {@link #build} empties it and keeps its buffers for the next source.
     */
    static final class LinesBuilder {
        /** Up to this many lines, a family's repeated series are found by scanning its lines' hashes. */
        private static final int SCAN = 16;

        private final java.util.LinkedHashMap<String, Pending> byName = new java.util.LinkedHashMap<>();
        private final java.util.HashMap<String, Pending> spare = new java.util.HashMap<>();
        private final Buffer scratch = new Buffer(256);

        private static final class Pending {
            Family family;
            Buffer buffer = new Buffer(256);
            int[] starts = new int[4];
            int[] valueStarts = new int[4];
            long[] hashes = new long[4];
            int count;
            java.util.HashSet<String> keys;

            /** Empty, for {@code f}; what a big source grew is not kept for the next one. */
            void reset(Family f) {
                family = f;
                if (buffer.array().length > 64 * 1024) {
                    buffer = new Buffer(256);
                }
                buffer.reset();
                if (starts.length > 1024) {
                    starts = new int[4];
                    valueStarts = new int[4];
                    hashes = new long[4];
                }
                count = 0;
                keys = null;
            }

            /** Adds the line in {@code line[0, length)} whose value starts at {@code valueAt}, unless a repeat. */
            boolean add(byte[] line, int valueAt, int length) {
                long h = hash(line, 0, valueAt);
                if (count < SCAN) {
                    for (int j = 0; j < count; j++) {
                        if (hashes[j] == h && Arrays.equals(buffer.array(), starts[j], valueStarts[j], line, 0, valueAt)) {
                            return false;
                        }
                    }
                } else {
                    if (keys == null) {
                        keys = new java.util.HashSet<>();
                        for (int j = 0; j < count; j++) {
                            keys.add(new String(buffer.array(), starts[j], valueStarts[j] - starts[j], StandardCharsets.UTF_8));
                        }
                    }
                    if (!keys.add(new String(line, 0, valueAt, StandardCharsets.UTF_8))) {
                        return false;
                    }
                }
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                    valueStarts = Arrays.copyOf(valueStarts, count * 2);
                    hashes = Arrays.copyOf(hashes, count * 2);
                }
                int start = buffer.size();
                starts[count] = start;
                valueStarts[count] = start + valueAt;
                hashes[count] = h;
                count++;
                buffer.write(line, 0, length);
                return true;
            }
        }

        void add(Sample s) {
            MetricFamily f = s.family();
            Pending p = byName.get(f.name());
            if (p == null) {
                p = spare.remove(f.name());
                if (p == null) {
                    p = new Pending();
                }
                p.reset(family(f));
                byName.put(f.name(), p);
            } else if (p.family.family() != f && !p.family.family().equals(f)) {
                VigilCollector.declaredTwice(f.name());
                return;
            }
            scratch.reset();
            int valueAt = write(p.family, s, scratch);
            p.add(scratch.array(), valueAt, scratch.size());
        }

        /** Forgets what was added since the last build (a source that failed half-way). */
        void discard() {
            byName.values().forEach(p -> spare.put(p.family.family().name(), p));
            byName.clear();
        }

        /**
         * The lines added since the last build, each family's recorded line by line when {@code keyed} says its
         * series may repeat in other sources; the builder is empty again.
         */
        Lines build(java.util.function.Predicate<MetricFamily> keyed) {
            int n = byName.size();
            Family[] families = new Family[n];
            int[] segmentEnds = new int[n];
            int[] lineFrom = new int[n + 1];
            int size = 0;
            int lines = 0;
            int i = 0;
            for (Pending p : byName.values()) {
                families[i] = p.family;
                size += p.buffer.size();
                segmentEnds[i] = size;
                lines += keyed.test(p.family.family()) ? p.count : 0;
                lineFrom[++i] = lines;
            }
            byte[] text = new byte[size];
            int[] lineStarts = new int[lines];
            int[] valueStarts = new int[lines];
            long[] hashes = new long[lines];
            i = 0;
            for (Pending p : byName.values()) {
                int at = i == 0 ? 0 : segmentEnds[i - 1];
                System.arraycopy(p.buffer.array(), 0, text, at, p.buffer.size());
                int line = lineFrom[i];
                if (lineFrom[i + 1] > line) {
                    for (int j = 0; j < p.count; j++, line++) {
                        lineStarts[line] = at + p.starts[j];
                        valueStarts[line] = at + p.valueStarts[j];
                        hashes[line] = p.hashes[j];
                    }
                }
                spare.put(p.family.family().name(), p);
                i++;
            }
            byName.clear();
            return new Lines(families, text, segmentEnds, lineFrom, lineStarts, valueStarts, hashes);
        }
    }

    /** FNV-1a over {@code b[from, to)}, mixed: for {@link SeriesKeys}, where equal hashes are compared byte by byte. */
    static long hash(byte[] b, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x100000001b3L;
        }
        return h ^ (h >>> 29);
    }

    /**
     * The series already exported in one pass over the targets (keyed lines, by their identity):
     * an open-addressing table reused from pass to pass, so a pass allocates nothing.
     */
    static final class SeriesKeys {
        private long[] hashes = new long[0];
        private Lines[] owners = new Lines[0];
        private int[] lines = new int[0];
        private int size;

        /** Empties the set, keeping its table (smaller if the last pass used little of it). */
        void clear() {
            if (owners.length > 1024 && size * 8 < owners.length) {
                int capacity = Math.max(16, Integer.highestOneBit(Math.max(1, size)) << 2);
                hashes = new long[capacity];
                owners = new Lines[capacity];
                lines = new int[capacity];
            } else if (size > 0) {
                Arrays.fill(owners, null);
            }
            size = 0;
        }

        /** Adds keyed line {@code i} of {@code c}; false when an equal series is already in the set. */
        boolean add(Lines c, int i) {
            if ((size + 1) * 4 > owners.length * 3) {
                grow();
            }
            long h = c.hashes[i];
            int mask = owners.length - 1;
            for (int slot = (int) (h * 0x9E3779B97F4A7C15L >>> 40) & mask; ; slot = (slot + 1) & mask) {
                Lines other = owners[slot];
                if (other == null) {
                    hashes[slot] = h;
                    owners[slot] = c;
                    lines[slot] = i;
                    size++;
                    return true;
                }
                if (hashes[slot] == h && c.sameKey(i, other, lines[slot])) {
                    return false;
                }
            }
        }

        private void grow() {
            long[] oldHashes = hashes;
            Lines[] oldOwners = owners;
            int[] oldLines = lines;
            int capacity = Math.max(16, oldOwners.length * 2);
            hashes = new long[capacity];
            owners = new Lines[capacity];
            lines = new int[capacity];
            int mask = capacity - 1;
            for (int k = 0; k < oldOwners.length; k++) {
                if (oldOwners[k] != null) {
                    int slot = (int) (oldHashes[k] * 0x9E3779B97F4A7C15L >>> 40) & mask;
                    while (owners[slot] != null) {
                        slot = (slot + 1) & mask;
                    }
                    hashes[slot] = oldHashes[k];
                    owners[slot] = oldOwners[k];
                    lines[slot] = oldLines[k];
                }
            }
        }
    }
}
