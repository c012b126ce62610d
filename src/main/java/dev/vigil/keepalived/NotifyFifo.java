package dev.vigil.keepalived;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads keepalived's {@code vrrp_notify_fifo} on a daemon thread: lines like {@code INSTANCE "VI_1" MASTER 50}, in
 * order. keepalived never writes STOP there, so a dead keepalived is the process check's job. The FIFO must be
 * vigil's own: two readers of one FIFO each get only part of the lines.
 */
final class NotifyFifo implements AutoCloseable {
    /** What the FIFO said last about one instance. */
    record InstanceState(String state, int priority, long transitions, long lastTransitionMillis) {
    }

    private final Path fifo;
    private final Map<String, InstanceState> states = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean closed;
    private volatile String error = "";

    NotifyFifo(Path fifo) {
        this.fifo = fifo;
        this.reader = new Thread(this::loop, "vigil-keepalived-fifo");
        reader.setDaemon(true);
        reader.start();
    }

    Map<String, InstanceState> states() {
        return Map.copyOf(states);
    }

    String error() {
        return error;
    }

    private void loop() {
        while (!closed) {
            // opening blocks until keepalived opens its end; EOF means keepalived closed it (restart): open again
            try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
                error = "";
                String line;
                while (!closed && (line = r.readLine()) != null) {
                    accept(line, System.currentTimeMillis());
                }
            } catch (IOException e) {
                error = e.toString();
                try {
                    Thread.sleep(1000); // the FIFO does not exist yet: keepalived creates it when it starts
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    void accept(String line, long nowMillis) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 3 || !f[0].equals("INSTANCE")) {
            return;
        }
        String name = f[1].replace("\"", "");
        String state = f[2];
        int priority = f.length > 3 ? parse(f[3]) : -1;
        states.compute(name, (k, old) -> {
            boolean changed = old == null || !old.state().equals(state);
            long transitions = old == null ? 0 : old.transitions() + (changed ? 1 : 0);
            long last = changed ? nowMillis : old.lastTransitionMillis();
            return new InstanceState(state, priority >= 0 ? priority : old == null ? -1 : old.priority(), transitions, last);
        });
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        closed = true;
        reader.interrupt();
        // a reader blocked in open() of the FIFO returns once a writer appears; opening for write releases it now
        if (Files.exists(fifo)) {
            Thread releaser = new Thread(() -> {
                try (var w = Files.newOutputStream(fifo)) {
                    w.flush();
                } catch (IOException ignored) {
                    // nothing to release
                }
            }, "vigil-keepalived-fifo-close");
            releaser.setDaemon(true);
            releaser.start();
        }
    }
}
