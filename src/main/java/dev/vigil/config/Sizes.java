package dev.vigil.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes in bytes: {@code 512}, {@code 10MiB}, {@code 1.5GiB}, {@code 100MB} (SI units are powers of 1000). */
public final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGTP]i?B|B)?");

    private Sizes() {
    }

    public static long parse(String text) {
        String s = text.trim();
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("negative size \"" + text + "\"");
        }
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\" (examples: 512B, 10MiB, 2GiB, 100MB)");
        }
        double number = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        double factor = switch (unit.toUpperCase(Locale.ROOT)) {
            case "B" -> 1;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "TB" -> 1e12;
            case "PB" -> 1e15;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            case "PIB" -> 1L << 50;
            default -> throw new IllegalArgumentException("invalid size unit in \"" + text + "\"");
        };
        double bytes = number * factor;
        if (!(bytes < 0x1p62)) {
            throw new IllegalArgumentException("size \"" + text + "\" is too large");
        }
        return (long) bytes;
    }

    /** Formats a size for messages: the largest binary unit that divides it, else bytes. */
    public static String format(long bytes) {
        String[] units = {"PiB", "TiB", "GiB", "MiB", "KiB"};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << (10 * (5 - i));
            if (bytes >= unit && bytes % unit == 0) {
                return bytes / unit + units[i];
            }
        }
        return bytes + "B";
    }
}
