package dev.vigil.etcd;

import dev.vigil.probe.Deadline;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Time for requests out of a run's deadline. A margin is kept back so the probe returns its own verdict (a member
 * that hangs is "down") before the scheduler cuts the run and reports a bare {@code timeout}.
 */
final class Budgets {
    private Budgets() {
    }

    static Duration forRequests(Deadline deadline) {
        long remaining = deadline.remaining().toMillis();
        long margin = Math.max(50, Math.min(500, remaining / 10));
        return Duration.ofMillis(Math.max(1, remaining - margin));
    }

    /** Waits for all futures (each has its own timeout) but never past the deadline. */
    static void await(Deadline deadline, CompletableFuture<?>... futures) throws InterruptedException {
        try {
            CompletableFuture.allOf(futures).get(deadline.remainingMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // each future is inspected by the caller
        } catch (TimeoutException e) {
            for (CompletableFuture<?> f : futures) {
                f.completeExceptionally(new TimeoutException());
            }
        }
    }
}
