package dev.vigil.backup;

import dev.vigil.probe.Deadline;
import java.io.IOException;
import java.time.Instant;

/** Where a backup set's backups are seen: files matching a glob, an rsync snapshot tree, clickhouse-backup's list. */
interface BackupSource {
    /** The set as it is now; an unreadable place throws {@link java.nio.file.AccessDeniedException}. */
    SetObservation observe(Instant now, Deadline deadline) throws IOException, InterruptedException;
}
