package dev.vigil.backup;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.vigil.net.BadResponse;
import dev.vigil.net.BoundedInputStream;
import dev.vigil.net.Json;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * clickhouse-backup's {@code GET /backup/list} (its REST API, port 7171 by default): one JSON object per line
 * (ClickHouse's JSONEachRow) with {@code name}, {@code created} ({@code 2006-01-02 15:04:05}, UTC), {@code size},
 * {@code location} ({@code local} or {@code remote}), {@code required} and {@code desc}, where clickhouse-backup
 * writes why a backup is broken.
 */
final class ClickhouseBackupList {
    private static final DateTimeFormatter CREATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    record Entry(String name, Instant created, long size, String location, String desc) {
        boolean broken() {
            return desc.toLowerCase(java.util.Locale.ROOT).contains("broken");
        }
    }

    /** metadata.json lists tables and sizes: a few hundred KiB for thousands of tables. */
    static final long MAX_METADATA_BYTES = 16 << 20;

    private ClickhouseBackupList() {
    }

    /** The list answered by the API; anything that is not one is a {@link BadResponse}. */
    static List<Entry> parse(byte[] body) throws BadResponse {
        try {
            return parseList(body);
        } catch (JsonProcessingException e) {
            throw new BadResponse(e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadResponse(e.getMessage());
        }
    }

    private static List<Entry> parseList(byte[] body) throws IOException {
        List<Entry> out = new ArrayList<>();
        try (JsonParser p = Json.parser(body)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_ARRAY || t == JsonToken.END_ARRAY) {
                    continue; // some versions answer a JSON array instead of one object per line
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new IOException("expected one JSON object per backup, got " + t);
                }
                String name = "";
                String created = "";
                long size = -1;
                String location = "";
                String desc = "";
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "name" -> name = p.getValueAsString("");
                        case "created" -> created = p.getValueAsString("");
                        case "size" -> size = p.getValueAsLong(-1);
                        case "location" -> location = p.getValueAsString("");
                        case "desc" -> desc = p.getValueAsString("");
                        default -> p.skipChildren();
                    }
                }
                out.add(new Entry(name, created(created), size, location, desc));
            }
        }
        return out;
    }

    /**
     * A local backup directory of clickhouse-backup ({@code /var/lib/clickhouse/backup}): one directory per backup with
     * its {@code metadata.json} ({@code creation_date}, and sizes added as clickhouse-backup adds them). A directory
     * without a readable metadata.json is what clickhouse-backup itself lists as broken.
     */
    static List<Entry> readLocal(java.nio.file.Path dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!java.nio.file.Files.isDirectory(dir)) {
            return out;
        }
        try (java.nio.file.DirectoryStream<java.nio.file.Path> ds = java.nio.file.Files.newDirectoryStream(dir,
            java.nio.file.Files::isDirectory)) {
            for (java.nio.file.Path b : ds) {
                java.nio.file.Path meta = b.resolve("metadata.json");
                Instant mtime = java.nio.file.Files.getLastModifiedTime(b).toInstant();
                String name = b.getFileName().toString();
                if (!java.nio.file.Files.isRegularFile(meta)) {
                    out.add(new Entry(name, mtime, -1, "local", "broken (no metadata.json)"));
                    continue;
                }
                try (InputStream in = new BoundedInputStream(java.nio.file.Files.newInputStream(meta), MAX_METADATA_BYTES)) {
                    out.add(metadata(name, in, mtime));
                } catch (IOException e) {
                    out.add(new Entry(name, mtime, -1, "local", "broken (metadata.json unreadable: " + e.getMessage() + ")"));
                }
            }
        }
        return out;
    }

    private static Entry metadata(String name, InputStream in, Instant fallback) throws IOException {
        try (JsonParser p = Json.parser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            Instant created = null;
            long metadata = 0;
            long data = 0;
            long compressed = 0;
            long object = 0;
            long extra = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "creation_date" -> created = created(p.getValueAsString(""));
                    case "metadata_size" -> metadata = p.getValueAsLong(0);
                    case "data_size" -> data = p.getValueAsLong(0);
                    case "compressed_size" -> compressed = p.getValueAsLong(0);
                    case "object_disk_size" -> object = p.getValueAsLong(0);
                    case "rbac_size", "config_size", "named_collections_size" -> extra += p.getValueAsLong(0);
                    default -> p.skipChildren();
                }
            }
            // the size clickhouse-backup itself reports for a backup
            long size = metadata + extra + object + (compressed > 0 ? compressed : data);
            return new Entry(name, created != null ? created : fallback, size, "local", "");
        }
    }

    private static Instant created(String s) {
        try {
            return LocalDateTime.parse(s, CREATED).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(s);
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }
}
