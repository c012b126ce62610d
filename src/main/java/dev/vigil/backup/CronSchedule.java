package dev.vigil.backup;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;

/**
 * A 5-field cron expression (minute hour day-of-month month day-of-week) as crontab(5) reads it: lists, ranges,
 * steps, names ({@code mon}, {@code jan}), {@code 7} for Sunday, the {@code @daily}-style macros, and Vixie cron's rule
 * that a job whose day-of-month and day-of-week are both restricted runs when either matches.
 */
final class CronSchedule {
    private final String text;
    private final BitSet minutes;
    private final BitSet hours;
    private final BitSet days;
    private final BitSet months;
    private final BitSet weekdays;
    private final boolean daysRestricted;
    private final boolean weekdaysRestricted;

    private CronSchedule(String text, String[] f) {
        this.text = text;
        minutes = field(f[0], 0, 59, null, "minute");
        hours = field(f[1], 0, 23, null, "hour");
        days = field(f[2], 1, 31, null, "day of month");
        months = field(f[3], 1, 12, new String[] {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
            "nov", "dec"}, "month");
        BitSet dow = field(f[4], 0, 7, new String[] {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}, "day of week");
        if (dow.get(7)) {
            dow.set(0);
        }
        weekdays = dow;
        daysRestricted = !f[2].equals("*") && !f[2].startsWith("*/");
        weekdaysRestricted = !f[4].equals("*") && !f[4].startsWith("*/");
    }

    static CronSchedule parse(String text) {
        String t = text.trim();
        String expanded = switch (t) {
            case "@hourly" -> "0 * * * *";
            case "@daily", "@midnight" -> "0 0 * * *";
            case "@weekly" -> "0 0 * * 0";
            case "@monthly" -> "0 0 1 * *";
            case "@yearly", "@annually" -> "0 0 1 1 *";
            default -> t;
        };
        String[] f = expanded.split("\\s+");
        if (f.length != 5) {
            throw new IllegalArgumentException("cron expression \"" + text + "\" must have 5 fields (minute hour"
                + " day-of-month month day-of-week), e.g. \"0 3 * * *\"");
        }
        return new CronSchedule(text, f);
    }

    private static BitSet field(String spec, int min, int max, String[] names, String what) {
        BitSet out = new BitSet(max + 1);
        for (String part : spec.toLowerCase(java.util.Locale.ROOT).split(",")) {
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                step = number(part.substring(slash + 1), 1, max, null, what);
                range = part.substring(0, slash);
            }
            int lo;
            int hi;
            if (range.equals("*")) {
                lo = min;
                hi = max;
            } else if (range.contains("-")) {
                String[] r = range.split("-", 2);
                lo = number(r[0], min, max, names, what);
                hi = number(r[1], min, max, names, what);
                if (hi < lo) {
                    throw new IllegalArgumentException(what + " range " + range + " goes backwards");
                }
            } else {
                lo = number(range, min, max, names, what);
                hi = slash >= 0 ? max : lo;
            }
            for (int v = lo; v <= hi; v += step) {
                out.set(v);
            }
        }
        return out;
    }

    private static int number(String s, int min, int max, String[] names, String what) {
        if (names != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(s)) {
                    return i + (min == 1 ? 1 : 0);
                }
            }
        }
        try {
            int v = Integer.parseInt(s);
            if (v < min || v > max) {
                throw new IllegalArgumentException(what + " " + v + " is out of range " + min + "-" + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + s + "\" is not a valid " + what);
        }
    }

    private boolean dayMatches(LocalDate d) {
        boolean dom = days.get(d.getDayOfMonth());
        boolean dow = weekdays.get(d.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : d.getDayOfWeek().getValue());
        if (daysRestricted && weekdaysRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    /** The latest time at or before {@code t} when the job runs; null when none within 5 years. */
    ZonedDateTime previous(ZonedDateTime t) {
        ZoneId zone = t.getZone();
        LocalDate day = t.toLocalDate();
        LocalTime limit = t.toLocalTime().truncatedTo(ChronoUnit.MINUTES);
        for (int i = 0; i < 366 * 5; i++, day = day.minusDays(1), limit = LocalTime.MAX) {
            if (!months.get(day.getMonthValue()) || !dayMatches(day)) {
                continue;
            }
            for (int h = Math.min(23, limit.getHour()); h >= 0; h--) {
                if (!hours.get(h)) {
                    continue;
                }
                int startMinute = h == limit.getHour() ? limit.getMinute() : 59;
                for (int m = startMinute; m >= 0; m--) {
                    if (minutes.get(m)) {
                        ZonedDateTime candidate = ZonedDateTime.of(day, LocalTime.of(h, m), zone);
                        if (!candidate.isAfter(t)) {
                            return candidate;
                        }
                    }
                }
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
