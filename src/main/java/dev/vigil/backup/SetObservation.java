package dev.vigil.backup;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a backup set looks like now, whatever its source: the facts {@link BackupProbe} turns into series and a verdict. */
final class SetObservation {
    Instant newestValid;
    long count;
    double newestSize = Double.NaN;
    double previousSize = Double.NaN;
    Integrity newest;
    boolean inProgress;
    boolean pending;
    double files = Double.NaN;
    double hardlinkRatio = Double.NaN;
    final Map<String, String> details = new LinkedHashMap<>();
}
