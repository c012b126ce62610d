package dev.vigil.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Reading a configuration file (the agent's or the endpoint's), bounded and without blocking on odd files. */
public final class ConfigFiles {
    /** The largest configuration file read (a real one is a few KiB). */
    public static final int MAX_CONFIG_BYTES = 1 << 20;

    private ConfigFiles() {
    }

    /**
     * Reads a configuration file of at most {@code maxBytes}. Only a regular file is opened: a FIFO or a device would
     * block the reader (or never end), and the size is checked while reading, so a huge file costs no more memory than
     * the limit.
     */
    public static String read(Path file, int maxBytes) throws ConfigException {
        String text;
        try {
            if (Files.exists(file) && !Files.isRegularFile(file)) {
                throw single(file.toString(), Files.isDirectory(file) ? "is a directory, expected a file"
                    : "is not a regular file (a FIFO, socket or device); refused so that reading cannot block");
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(maxBytes + 1);
            }
            if (bytes.length > maxBytes) {
                throw single(file.toString(), "file is larger than " + Sizes.format(maxBytes)
                    + ", the limit of a configuration file");
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(file.toString(), "file does not exist");
        } catch (AccessDeniedException e) {
            throw single(file.toString(), "file is not readable by this user");
        } catch (IOException e) {
            throw single(file.toString(), "cannot read: " + e.getClass().getSimpleName());
        }
        return text;
    }

    /** A configuration error that concerns the whole file. */
    public static ConfigException single(String file, String message) {
        return new ConfigException(List.of(new ConfigError(file, 0, 0, "", message)));
    }
}
