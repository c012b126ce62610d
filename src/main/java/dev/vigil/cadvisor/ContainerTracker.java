package dev.vigil.cadvisor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows each container across polls, keyed by its logical identity (namespace/pod/container, or name), so that what
 * cAdvisor forgets survives: a restart (same name, new cgroup id or start time) is counted, the OOM events and CPU
 * seconds of the previous incarnation are kept in the totals, and throttling is a ratio over the last interval.
 */
final class ContainerTracker {
    /** A container's state as last seen. */
    private static final class Tracked {
        String id;
        double startTime = Double.NaN;
        long restarts;
        double oomBase;
        double lastOom = Double.NaN;
        double cpuBase;
        double lastCpu = Double.NaN;
        double lastThrottled = Double.NaN;
        double lastPeriods = Double.NaN;
        long lastSeenMillis;
    }

    /** What the agent exports for one container after a poll. */
    record View(CgroupStats stats, long restarts, double oomEventsTotal, double cpuSecondsTotal, double throttledRatio) {
    }

    private final Map<String, Tracked> byKey = new HashMap<>();
    private final long forgetAfterMillis;

    ContainerTracker(long forgetAfterMillis) {
        this.forgetAfterMillis = forgetAfterMillis;
    }

    List<View> observe(Collection<CgroupStats> containers, long nowMillis) {
        // cAdvisor lists a dead incarnation for a while after a restart: the newest start time is the container
        Map<String, CgroupStats> current = new LinkedHashMap<>();
        for (CgroupStats c : containers) {
            current.merge(c.logicalKey(), c, (a, b) -> newer(b, a) ? b : a);
        }
        List<View> views = new ArrayList<>(current.size());
        for (Map.Entry<String, CgroupStats> e : current.entrySet()) {
            views.add(update(byKey.computeIfAbsent(e.getKey(), k -> new Tracked()), e.getValue(), nowMillis));
        }
        for (Iterator<Tracked> it = byKey.values().iterator(); it.hasNext();) {
            if (nowMillis - it.next().lastSeenMillis > forgetAfterMillis) {
                it.remove();
            }
        }
        return views;
    }

    int tracked() {
        return byKey.size();
    }

    private static boolean newer(CgroupStats a, CgroupStats b) {
        if (Double.isNaN(a.startTimeSeconds)) {
            return false;
        }
        return Double.isNaN(b.startTimeSeconds) || a.startTimeSeconds > b.startTimeSeconds;
    }

    private static View update(Tracked t, CgroupStats c, long nowMillis) {
        boolean first = t.id == null;
        boolean restarted = !first && (!t.id.equals(c.id)
            || !Double.isNaN(c.startTimeSeconds) && !Double.isNaN(t.startTime) && c.startTimeSeconds > t.startTime + 0.5);
        double cpu = c.hasCpu ? c.cpuSeconds() : Double.NaN;
        if (restarted) {
            t.restarts++;
            t.oomBase += nanToZero(t.lastOom);
            t.cpuBase += nanToZero(t.lastCpu);
            t.lastThrottled = Double.NaN;
            t.lastPeriods = Double.NaN;
        } else {
            // a counter that went down without a restart was reset: keep what it had counted
            if (c.oomEvents < t.lastOom) {
                t.oomBase += t.lastOom;
            }
            if (cpu < t.lastCpu) {
                t.cpuBase += t.lastCpu;
            }
        }
        double ratio = Double.NaN;
        if (!restarted && !first) {
            double dPeriods = c.periods - t.lastPeriods;
            double dThrottled = c.throttledPeriods - t.lastThrottled;
            if (dPeriods > 0 && dThrottled >= 0) {
                ratio = Math.min(1, dThrottled / dPeriods);
            }
        }
        t.id = c.id;
        t.startTime = c.startTimeSeconds;
        t.lastOom = c.oomEvents;
        t.lastCpu = cpu;
        t.lastThrottled = c.throttledPeriods;
        t.lastPeriods = c.periods;
        t.lastSeenMillis = nowMillis;
        double oom = Double.isNaN(c.oomEvents) ? Double.NaN : t.oomBase + c.oomEvents;
        double cpuTotal = Double.isNaN(cpu) ? Double.NaN : t.cpuBase + cpu;
        return new View(c, t.restarts, oom, cpuTotal, ratio);
    }

    private static double nanToZero(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
