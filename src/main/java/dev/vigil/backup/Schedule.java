package dev.vigil.backup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * When a backup set is expected: every fixed interval ({@code every: 24h}) or on a cron schedule
 * ({@code cron: "0 3 * * *"}), each with a grace period for the backup to finish.
 */
record Schedule(Duration every, CronSchedule cron, ZoneId zone, Duration grace) {

    /** The interval between two expected backups (for a cron schedule: between the last two runs before now). */
    Duration expectedInterval(Instant now) {
        if (cron == null) {
            return every;
        }
        ZonedDateTime last = cron.previous(ZonedDateTime.ofInstant(now, zone));
        if (last == null) {
            return Duration.ZERO;
        }
        ZonedDateTime before = cron.previous(last.minusMinutes(1));
        return before == null ? Duration.ZERO : Duration.between(before, last);
    }

    /**
     * How late the set is: 0 when the newest backup is on time, else the time since it became late. A set with no
     * backup at all ({@code newest == null}) is late since the first expected run that its grace has passed (cron), or
     * since the epoch (every), so the answer never depends on when the agent started.
     */
    Duration overdue(Instant newest, Instant now) {
        if (cron == null) {
            Instant due = (newest == null ? Instant.EPOCH : newest).plus(every).plus(grace);
            return now.isAfter(due) ? Duration.between(due, now) : Duration.ZERO;
        }
        ZonedDateTime lastDue = cron.previous(ZonedDateTime.ofInstant(now.minus(grace), zone));
        if (lastDue == null) {
            return Duration.ZERO;
        }
        Instant expectedBy = lastDue.toInstant().plus(grace);
        // a backup that started at the scheduled time counts (its file time can be a little earlier than the run's)
        if (newest != null && !newest.isBefore(lastDue.toInstant().minus(Duration.ofMinutes(1)))) {
            return Duration.ZERO;
        }
        return Duration.between(expectedBy, now);
    }
}
