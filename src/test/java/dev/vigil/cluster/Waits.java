package dev.vigil.cluster;

import java.time.Duration;
import java.util.function.Supplier;

/** Polling with a deadline: the condition decides, the poll interval only paces it. */
final class Waits {
    private Waits() {
    }

    interface Check {
        boolean test() throws Exception;
    }

    static void until(String what, Duration timeout, Check check, Supplier<String> state) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!check.test()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not reached within " + timeout + "\n" + state.get());
            }
            SimCluster.pause(250);
        }
    }
}
