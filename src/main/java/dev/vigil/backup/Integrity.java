package dev.vigil.backup;

import java.util.List;

/**
 * The verdict on one backup file's contents.
 *
 * @param reason one of {@link #REASONS}
 * @param detail a sentence for people (status page, logs), never a label
 */
public record Integrity(String reason, String detail) {
    public static final String OK = "ok";
    public static final String TRUNCATED = "truncated";
    public static final String BAD_MAGIC = "bad_magic";
    public static final String CHECKSUM_MISMATCH = "checksum_mismatch";
    public static final String EMPTY = "empty";
    public static final String UNREADABLE = "unreadable";
    public static final List<String> REASONS = List.of(OK, TRUNCATED, BAD_MAGIC, CHECKSUM_MISMATCH, EMPTY, UNREADABLE);

    public static Integrity ok(String detail) {
        return new Integrity(OK, detail);
    }

    public boolean isOk() {
        return OK.equals(reason);
    }
}
