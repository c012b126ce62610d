package dev.vigil.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in the Prometheus style: one or more number+unit pairs, largest unit first ({@code 250ms}, {@code 30s},
 * {@code 1h30m}, {@code 7d}, {@code 2w}). A bare number is refused, because "30" is ambiguous.
 */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");
    /** Far beyond every option's bound, and far below where milliseconds or nanoseconds overflow a long. */
    public static final Duration MAX = Duration.ofDays(36_500);
    private static final String[] ORDER = {"y", "w", "d", "h", "m", "s", "ms"};

    private Durations() {
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a message fit for a config error. */
    public static Duration parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("negative duration \"" + text + "\"");
        }
        if (s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("duration \"" + text + "\" has no unit (use ms, s, m, h, d or w, e.g. 30s)");
        }
        Matcher m = PART.matcher(s);
        int at = 0;
        int lastUnit = -1;
        Duration total = Duration.ZERO;
        while (at < s.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\" (examples: 250ms, 30s, 5m, 1h30m, 24h)");
            }
            int unit = indexOf(m.group(2));
            if (unit <= lastUnit) {
                throw new IllegalArgumentException("invalid duration \"" + text + "\": units must go from largest to smallest");
            }
            lastUnit = unit;
            // 12 digits of days are already far beyond any bound; longer numbers would overflow a long
            if (m.group(1).length() > 12) {
                throw new IllegalArgumentException("duration \"" + text + "\" is too large");
            }
            total = total.plus(unitDuration(m.group(2)).multipliedBy(Long.parseLong(m.group(1))));
            if (total.compareTo(MAX) > 0) {
                throw new IllegalArgumentException("duration \"" + text + "\" is too large (at most 100y)");
            }
            at = m.end();
        }
        return total;
    }

    /** Formats a duration the way {@link #parse} reads it, for messages and the status page. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                out.append(ms / sizes[i]).append(names[i]);
                ms %= sizes[i];
            }
        }
        return out.toString();
    }

    private static int indexOf(String unit) {
        for (int i = 0; i < ORDER.length; i++) {
            if (ORDER[i].equals(unit)) {
                return i;
            }
        }
        throw new IllegalStateException(unit);
    }

    private static Duration unitDuration(String unit) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(1);
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            case "d" -> Duration.ofDays(1);
            case "w" -> Duration.ofDays(7);
            case "y" -> Duration.ofDays(365);
            default -> throw new IllegalStateException(unit);
        };
    }
}
