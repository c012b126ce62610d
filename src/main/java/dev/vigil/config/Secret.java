package dev.vigil.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A secret value read from a {@code *_file} option (a bearer token, a password). It never prints itself: {@link
 * #toString()} is {@code <redacted>}, so a secret that reaches a log line, a message or a status page by mistake shows
 * nothing. The value comes out only through {@link #reveal()} at the one place that hands it to a protocol.
 *
 * <p>{@link #read} checks the file's shape before anything sees the value: a token or a password is one line of
 * printable characters. A file that is not (a private key, a certificate, binary data, two lines) is refused with a
 * message that names the option and the file and describes the problem, and never quotes the content; otherwise a
 * library that refuses the value (the JDK HTTP client quotes a header value with a line break in full) would.
 */
public final class Secret {
    /** Larger than any token or password; a file beyond it is the wrong file. */
    public static final int MAX_BYTES = 64 * 1024;

    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /** Wraps a value already in memory (tests, command-line flags). */
    public static Secret of(String value) {
        return new Secret(value.toCharArray());
    }

    /** The value, for the protocol call that needs it; never for a message. */
    public String reveal() {
        return new String(value);
    }

    /** A copy of the value as characters (for key stores); the caller clears it. */
    public char[] revealChars() {
        return value.clone();
    }

    public boolean isEmpty() {
        return value.length == 0;
    }

    @Override
    public String toString() {
        return "<redacted>";
    }

    /** Why a secret file was refused; the message never holds any of the file's content. */
    public static final class Unusable extends Exception {
        private final boolean unreadable;

        Unusable(String message) {
            this(message, false);
        }

        Unusable(String message, boolean unreadable) {
            super(message, null, false, false);
            this.unreadable = unreadable;
        }

        /** The file could not be read at all (as opposed to read and found unfit). */
        public boolean unreadable() {
            return unreadable;
        }
    }

    /**
     * Reads the secret of option {@code option} from {@code file}: UTF-8, one line (a final line break is dropped),
     * no control characters, at most {@link #MAX_BYTES} bytes, not empty. With {@code asciiOnly} (HTTP header values
     * such as bearer tokens) only visible ASCII is allowed.
     */
    public static Secret read(Path file, String option, boolean asciiOnly) throws Unusable {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (IOException e) {
            throw new Unusable(option + " " + file + ": cannot read (" + e.getClass().getSimpleName() + ")", true);
        }
        try {
            if (bytes.length > MAX_BYTES) {
                throw new Unusable(option + " " + file + ": larger than " + MAX_BYTES / 1024 + " KiB, not a token or"
                    + " password (is it the right file?)");
            }
            char[] chars;
            try {
                CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
                chars = new char[cb.remaining()];
                cb.get(chars);
                if (cb.hasArray()) {
                    Arrays.fill(cb.array(), '\0');
                }
            } catch (CharacterCodingException e) {
                throw new Unusable(option + " " + file + ": not UTF-8 text (binary content; is it the right file?)");
            }
            int end = chars.length;
            while (end > 0 && (chars[end - 1] == '\n' || chars[end - 1] == '\r' || chars[end - 1] == ' '
                || chars[end - 1] == '\t')) {
                end--;
            }
            int start = 0;
            while (start < end && (chars[start] == ' ' || chars[start] == '\t')) {
                start++;
            }
            char[] value = Arrays.copyOfRange(chars, start, end);
            Arrays.fill(chars, '\0');
            String problem = problem(value, asciiOnly);
            if (problem != null) {
                Arrays.fill(value, '\0');
                throw new Unusable(option + " " + file + ": " + problem);
            }
            return new Secret(value);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static String problem(char[] value, boolean asciiOnly) {
        if (value.length == 0) {
            return "empty";
        }
        boolean pem = value.length > 10 && new String(value, 0, 10).equals("-----BEGIN");
        for (char c : value) {
            if (c == '\n' || c == '\r') {
                return "holds more than one line" + (pem ? " (a PEM block: a key or certificate, not a "
                    + "token or password)" : "; a token or password is one line (is it the right file?)");
            }
            if (Character.isISOControl(c)) {
                return "holds control characters (binary content; is it the right file?)";
            }
            if (asciiOnly && (c < 0x20 || c > 0x7e)) {
                return "holds characters other than printable ASCII, which an HTTP header cannot carry";
            }
        }
        return null;
    }
}
