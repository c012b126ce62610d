package dev.vigil.metrics;

import dev.vigil.probe.MetricFamily;
import dev.vigil.probe.Scheduler;
import dev.vigil.probe.TargetSnapshot;
import dev.vigil.probe.TargetState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The series of every target as exposition text, for the agent's {@code /metrics}: what {@link VigilCollector}
 * exports per target, rendered straight to bytes.
 *
 * <p>A target's lines are rendered once per result into one array, family after family ({@link SeriesText.Lines}),
 * and kept until its snapshot, skip count or failure count moves. After any change, a pass over the targets regroups
 * the kept segments by family (HELP and TYPE once, families in first-seen order, a series repeated across targets kept
 * once: the first) and writes them into a direct buffer that the server sends as it is, the buffer of the previous
 * pass when no scrape still sends it. A pass allocates on the Java heap only for the targets it renders again, so a
 * busy agent scraped often leaves no megabytes of scrape text in its small heap (each used to outlive a young
 * collection and fill the old generation with dead text). While nothing changes, the text of the last pass and its
 * compressed form are sent again.
 */
final class TargetsText {
    /** The per-target families, whose series carry kind and target and so never repeat across targets. */
    private static final Set<MetricFamily> COMMON = Set.of(VigilCollector.FAILURES, VigilCollector.SKIPPED,
        VigilCollector.PRESENT, VigilCollector.SUCCESS, VigilCollector.REASON, VigilCollector.DURATION,
        VigilCollector.LAST_RUN, VigilCollector.LABELS_TRUNCATED, VigilCollector.SERIES_DROPPED);

    private final Scheduler scheduler;
    private final ByteBufAllocator alloc;
    private final Object lock = new Object();

    // guarded by lock
    private List<TargetState> states;
    private Rendered[] rendered = new Rendered[0];
    private SeriesText.Lines perKind;
    private final Map<String, Slot> slots = new HashMap<>();
    private final List<Slot> order = new ArrayList<>();
    private final SeriesText.SeriesKeys seen = new SeriesText.SeriesKeys();
    private final SeriesText.LinesBuilder builder = new SeriesText.LinesBuilder();
    /** Segments are gathered here before a copy to the direct buffer: one native copy per 64 KiB, not per segment. */
    private final byte[] staging = new byte[64 * 1024];
    private int staged;
    private int pass;
    private long version = -1;
    private final Text text = new Text();
    private final Text openMetrics = new Text();

    /** A target's lines, the slot of each of their families, and what they were rendered from. */
    private static final class Rendered {
        TargetSnapshot last;
        long skipped;
        long failedRuns;
        SeriesText.Lines lines;
        Slot[] slots;
    }

    /** A family of this pass and its segments, target by target (arrays reused from pass to pass). */
    private static final class Slot {
        SeriesText.Family family;
        SeriesText.Lines[] sources = new SeriesText.Lines[16];
        int[] segments = new int[16];
        int count;
        int pass;
        int bytes;

        void add(SeriesText.Lines lines, int segment) {
            if (count == sources.length) {
                sources = java.util.Arrays.copyOf(sources, count * 2);
                segments = java.util.Arrays.copyOf(segments, count * 2);
            }
            sources[count] = lines;
            segments[count] = segment;
            count++;
            bytes += lines.segmentLength(segment);
        }

        /** Starts this pass with no segment; lets go of the last pass' references beyond what this one will hold. */
        void reset(int pass, SeriesText.Family family) {
            java.util.Arrays.fill(sources, 0, count, null);
            this.pass = pass;
            this.family = family;
            count = 0;
            bytes = 0;
        }
    }

    /**
     * The text of one pass in one format, and its compressed form once asked for, each holding one reference to its
     * buffer; both buffers are written again at a later pass when no scrape still sends them.
     */
    private static final class Text {
        long version = -1;
        ByteBuf bytes;
        long deflatedVersion = -1;
        ByteBuf deflated;
        int crc;

        /** Lets the buffers go unless written at pass {@code v} (a format no scrape asked for since that pass). */
        void dropUnlessOf(long v) {
            if (version == v) {
                return;
            }
            if (bytes != null) {
                bytes.release();
                bytes = null;
            }
            if (deflated != null) {
                deflated.release();
                deflated = null;
            }
            version = -1;
            deflatedVersion = -1;
        }
    }

    /**
     * The targets' text (or its raw deflate stream ending with a full flush), which the caller must release, with the
     * length and CRC-32 of the text.
     */
    record Part(ByteBuf content, int length, int crc) {
    }

    TargetsText(Scheduler scheduler, ByteBufAllocator alloc) {
        this.scheduler = scheduler;
        this.alloc = alloc;
    }

    Part get(boolean openMetricsFormat, boolean deflated) {
        synchronized (lock) {
            long v = scheduler.version();
            if (v != version) {
                pass(v);
            }
            Text t = openMetricsFormat ? openMetrics : text;
            if (t.version != version) {
                ByteBuf previous = t.bytes;
                t.bytes = null;
                t.deflatedVersion = -1;
                t.bytes = write(openMetricsFormat, previous);
                t.version = version;
            }
            int length = t.bytes.readableBytes();
            if (!deflated) {
                return new Part(t.bytes.retainedDuplicate(), length, 0);
            }
            if (t.deflatedVersion != version) {
                ByteBuf previous = t.deflated;
                t.deflated = null;
                ByteBuf out = reuse(previous, length / 4);
                try {
                    GzipSegments.deflate(t.bytes, out, false);
                } catch (RuntimeException | Error e) {
                    out.release();
                    throw e;
                }
                CRC32 crc = new CRC32();
                crc.update(t.bytes.nioBuffer());
                t.crc = (int) crc.getValue();
                t.deflated = out;
                t.deflatedVersion = version;
            }
            return new Part(t.deflated.retainedDuplicate(), length, t.crc);
        }
    }

    /** Brings every target's lines up to date and regroups them by family, for {@code v}. */
    private void pass(long v) {
        text.dropUnlessOf(version);
        openMetrics.dropUnlessOf(version);
        version = -1; // until this pass is complete: one that failed half-way is done again at the next scrape
        List<TargetState> now = scheduler.states();
        if (now != states) {
            remap(now);
        }
        pass++;
        order.clear();
        seen.clear();
        for (int i = 0; i < rendered.length; i++) {
            TargetState s = states.get(i);
            Rendered r = rendered[i];
            long failedRuns = s.failedRuns();
            TargetSnapshot last = s.last();
            long skipped = s.skippedRuns();
            if (r.lines == null || r.last != last || r.skipped != skipped || r.failedRuns != failedRuns) {
                r.last = last;
                r.skipped = skipped;
                r.failedRuns = failedRuns;
                r.lines = render(s, last, skipped);
                r.slots = new Slot[r.lines.segments()];
                for (int k = 0; k < r.slots.length; k++) {
                    r.slots[k] = slots.computeIfAbsent(r.lines.families[k].family().name(), n -> new Slot());
                }
            }
            for (int k = 0; k < r.slots.length; k++) {
                add(r.lines, k, r.slots[k]);
            }
        }
        for (Slot s : slots.values()) {
            if (s.pass != pass && s.count > 0) {
                s.reset(s.pass, null); // a family gone since: its last lines go too
            }
        }
        for (int k = 0; k < perKind.segments(); k++) {
            Slot s = new Slot();
            s.reset(pass, perKind.families[k]);
            s.add(perKind, k);
            order.add(s);
        }
        version = v;
    }

    private void add(SeriesText.Lines lines, int segment, Slot s) {
        if (s.pass != pass) {
            s.reset(pass, lines.families[segment]);
            order.add(s);
        } else if (s.family != lines.families[segment]) {
            VigilCollector.declaredTwice(s.family.family().name());
            return;
        }
        if (!lines.keyed(segment)) {
            s.add(lines, segment);
            return;
        }
        int from = lines.lineFrom[segment];
        int to = lines.lineFrom[segment + 1];
        boolean[] drop = null;
        for (int j = from; j < to; j++) {
            if (!seen.add(lines, j)) {
                if (drop == null) {
                    drop = new boolean[to - from];
                }
                drop[j - from] = true;
            }
        }
        if (drop == null) {
            s.add(lines, segment);
            return;
        }
        // a series an earlier target already exported in this family: the first one wins
        SeriesText.Buffer kept = new SeriesText.Buffer(lines.segmentLength(segment));
        for (int j = from; j < to; j++) {
            if (!drop[j - from]) {
                kept.write(lines.text, lines.lineStarts[j], lines.lineEnd(j) - lines.lineStarts[j]);
            }
        }
        s.add(SeriesText.Lines.of(lines.families[segment], kept.toByteArray()), 0);
    }

    /** A new target list (a reload): the lines of the targets kept stay, and the count of targets per kind. */
    private void remap(List<TargetState> now) {
        IdentityHashMap<TargetState, Rendered> before = new IdentityHashMap<>();
        for (int i = 0; i < rendered.length; i++) {
            before.put(states.get(i), rendered[i]);
        }
        Rendered[] next = new Rendered[now.size()];
        Map<String, Integer> kinds = new TreeMap<>();
        for (int i = 0; i < next.length; i++) {
            Rendered r = before.get(now.get(i));
            next[i] = r != null ? r : new Rendered();
            kinds.merge(now.get(i).target().kind(), 1, Integer::sum);
        }
        SeriesText.LinesBuilder b = new SeriesText.LinesBuilder();
        kinds.forEach((kind, n) -> b.add(VigilCollector.TARGETS.sample(n, kind)));
        states = now;
        rendered = next;
        perKind = b.build(f -> false);
    }

    private SeriesText.Lines render(TargetState s, TargetSnapshot last, long skipped) {
        try {
            VigilCollector.targetSamples(s.target().kind(), s.target().name(), last, skipped, s.failures(),
                builder::add);
        } catch (RuntimeException | Error e) {
            builder.discard();
            throw e;
        }
        // the common families need no keys (no check across targets)
        return builder.build(f -> !COMMON.contains(f));
    }

    /**
     * The families of the last pass, each under its header, in a direct buffer (one reference, the cache's): the
     * buffer of the previous pass when no scrape still sends it.
     */
    private ByteBuf write(boolean openMetricsFormat, ByteBuf previous) {
        int size = 0;
        for (Slot s : order) {
            size += header(s.family, openMetricsFormat).length + s.bytes;
        }
        ByteBuf out = reuse(previous, size);
        try {
            staged = 0;
            for (Slot s : order) {
                byte[] h = header(s.family, openMetricsFormat);
                stage(out, h, 0, h.length);
                for (int i = 0; i < s.count; i++) {
                    SeriesText.Lines l = s.sources[i];
                    int segment = s.segments[i];
                    stage(out, l.text, l.segmentStart(segment), l.segmentLength(segment));
                }
            }
            out.writeBytes(staging, 0, staged);
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    private void stage(ByteBuf out, byte[] b, int from, int length) {
        if (staged + length > staging.length) {
            out.writeBytes(staging, 0, staged);
            staged = 0;
            if (length > staging.length) {
                out.writeBytes(b, from, length);
                return;
            }
        }
        System.arraycopy(b, from, staging, staged, length);
        staged += length;
    }

    /** {@code previous} emptied when no scrape still sends it and it holds {@code size} bytes, else a new buffer. */
    private ByteBuf reuse(ByteBuf previous, int size) {
        if (previous != null && previous.refCnt() == 1 && previous.capacity() >= size) {
            return previous.clear();
        }
        ByteBuf out = alloc.directBuffer(size + size / 16);
        if (previous != null) {
            previous.release();
        }
        return out;
    }

    private static byte[] header(SeriesText.Family f, boolean openMetricsFormat) {
        return openMetricsFormat ? f.openMetricsHeader() : f.textHeader();
    }
}
