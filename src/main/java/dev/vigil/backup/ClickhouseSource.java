package dev.vigil.backup;

import dev.vigil.config.HostPaths;
import dev.vigil.net.BadResponse;
import dev.vigil.net.BoundedHttp;
import dev.vigil.net.Reasons;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.IOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Backups as clickhouse-backup lists them: from its REST API, or from its local backup directory. */
final class ClickhouseSource implements BackupSource {
    /** clickhouse-backup's list is one line per backup: a few hundred bytes each. */
    static final int MAX_LIST_BYTES = 16 << 20;
    private final BackupKind.Spec spec;
    private final HostPaths hostPaths;
    private BoundedHttp http;

    ClickhouseSource(BackupKind.Spec spec, HostPaths hostPaths) {
        this.spec = spec;
        this.hostPaths = hostPaths;
    }

    @Override
    public SetObservation observe(Instant now, Deadline deadline) throws IOException, InterruptedException {
        return observeClickhouse(deadline);
    }

    /** clickhouse-backup's own list of its backups: from its REST API, or from its local backup directory. */
    private SetObservation observeClickhouse(Deadline deadline) throws IOException, InterruptedException {
        List<ClickhouseBackupList.Entry> entries = spec.url() != null ? fetchClickhouseList(deadline)
            : ClickhouseBackupList.readLocal(hostPaths.resolve(spec.path()));
        return judgeClickhouse(entries);
    }

    /**
     * clickhouse-backup's list through the shared HTTP client (one per probe, kept across runs): at most
     * {@link #MAX_LIST_BYTES}, headers and body within the deadline.
     */
    private List<ClickhouseBackupList.Entry> fetchClickhouseList(Deadline deadline) throws IOException, InterruptedException {
        if (http == null) {
            http = new BoundedHttp(null, spec.ipFamily());
        }
        BoundedHttp.Answer answer;
        try {
            answer = http.get(BoundedHttp.request(spec.url()).GET(), MAX_LIST_BYTES, deadline);
        } catch (ProbeFailure f) {
            throw new ApiFailure(f.reason(), "clickhouse-backup API " + f.getMessage());
        }
        if (answer.status() != 200) {
            throw new ApiFailure(Reasons.HTTP_STATUS, spec.url() + " answered HTTP " + answer.status());
        }
        try {
            return ClickhouseBackupList.parse(answer.body());
        } catch (BadResponse e) {
            throw new ApiFailure(Reasons.BAD_RESPONSE, "not clickhouse-backup's list: " + e.getMessage());
        }
    }

    private SetObservation judgeClickhouse(List<ClickhouseBackupList.Entry> entries) {
        SetObservation o = new SetObservation();
        List<ClickhouseBackupList.Entry> kept = entries.stream()
            .filter(e -> e.created() != null && ("any".equals(spec.location()) || spec.location().equals(e.location())))
            .sorted(Comparator.comparing(ClickhouseBackupList.Entry::created).reversed()).toList();
        o.count = kept.size();
        if (kept.isEmpty()) {
            return o;
        }
        ClickhouseBackupList.Entry newest = kept.get(0);
        o.newestSize = newest.size();
        if (kept.size() > 1) {
            o.previousSize = kept.get(1).size();
        }
        o.details.put("newest backup", newest.name() + " (" + newest.location() + ")");
        for (ClickhouseBackupList.Entry e : kept) {
            Integrity verdict = e.broken() ? new Integrity("broken", "clickhouse-backup says: " + e.desc())
                : e.size() == 0 ? new Integrity(Integrity.EMPTY, "size 0")
                : e.size() > 0 && e.size() < spec.minSize() ? new Integrity("too_small", e.size() + " bytes, below min_size")
                : Integrity.ok(e.size() + " bytes, " + e.location());
            if (e == newest) {
                o.newest = verdict;
            }
            if (verdict.isOk()) {
                o.newestValid = e.created();
                break;
            }
        }
        return o;
    }

    /** A failure to reach clickhouse-backup's API, with its reason. */
    static final class ApiFailure extends IOException {
        final String reason;

        ApiFailure(String reason, String message) {
            super(message);
            this.reason = reason;
        }
    }
}
