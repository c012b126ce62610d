package dev.vigil.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real server program started by a test (Dovecot, vsftpd, slapd, MariaDB, Postfix, Prosody): its output is kept for
 * failure messages, it is ready when a given line appears or its port accepts, and it is stopped with every process it
 * started, by process id, in every outcome.
 */
final class RealServer implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final String readyLine;

    private RealServer(String name, List<String> command, String readyLine) throws IOException {
        this.name = name;
        this.readyLine = readyLine;
        this.process = Orphans.watch(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    if (readyLine != null && line.contains(readyLine)) {
                        ready.complete(null);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            ready.completeExceptionally(new IOException(name + " exited (" + exitCode() + "): " + output));
        }, name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the command and waits until a line of its output contains {@code readyLine}. */
    static RealServer startAwaitingLine(String name, String readyLine, String... command) throws Exception {
        RealServer s = new RealServer(name, List.of(command), readyLine);
        try {
            s.ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            s.close();
            throw new IOException(name + " printed no \"" + readyLine + "\" within " + START_TIMEOUT + ": " + s.output);
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Starts the command and waits until {@code port} on 127.0.0.1 accepts a connection (for servers that print
     * nothing when ready).
     */
    static RealServer startAwaitingPort(String name, int port, String... command) throws Exception {
        return new RealServer(name, List.of(command), null).awaitPort(port);
    }

    /**
     * Waits until {@code port} on 127.0.0.1 accepts a connection, polling every 50 ms within {@link #START_TIMEOUT}
     * while the process lives: some servers print their ready line a moment before they listen.
     */
    RealServer awaitPort(int port) throws Exception {
        long end = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return this;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > end) {
                    close();
                    throw new IOException(name + " is not listening on port " + port + " (alive: " + process.isAlive()
                        + "): " + output);
                }
                TimeUnit.MILLISECONDS.sleep(50); // poll interval, bounded by the deadline above
            }
        }
    }

    String output() {
        return output.toString();
    }

    private String exitCode() {
        return process.isAlive() ? "running" : String.valueOf(process.exitValue());
    }

    @Override
    public void close() {
        Orphans.forget(process);
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }
}
