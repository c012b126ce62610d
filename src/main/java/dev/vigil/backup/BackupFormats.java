package dev.vigil.backup;

import java.util.List;

/** The backup kinds and the check that judges a file of each. */
final class BackupFormats {
    static final List<String> KINDS = List.of("pg_dump", "redis_rdb", "etcd_snapshot", "tar", "tar.gz", "rsync_tree",
        "clickhouse_backup", "file");

    private BackupFormats() {
    }

    /** The content check of a file kind, or null for kinds judged on age and size only. */
    static FormatCheck check(String kind) {
        return switch (kind) {
            case "pg_dump" -> new PgDumpCheck();
            case "redis_rdb" -> new RedisRdbCheck();
            case "etcd_snapshot" -> new EtcdSnapshotCheck();
            case "tar" -> new TarCheck(false);
            case "tar.gz" -> new TarCheck(true);
            default -> null;
        };
    }
}
