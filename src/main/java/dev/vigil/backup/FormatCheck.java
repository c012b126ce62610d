package dev.vigil.backup;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a backup file from start to end and judges it. Implementations stream: they never hold more than a buffer of
 * the file, so a 50 GiB dump costs time, not memory.
 */
interface FormatCheck {
    /**
     * @param in   the file's contents (buffered)
     * @param size the file's size in bytes (never 0: empty files are judged before)
     */
    Integrity check(InputStream in, long size) throws IOException;
}
