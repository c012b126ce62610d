package dev.vigil.tls;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code openssl s_server} on a loopback port chosen by the kernel. Ready when it prints {@code ACCEPT
 * host:port}; stopped by its pid in {@link #close()}, whatever the outcome of the test.
 */
final class OpenSslServer implements AutoCloseable {
    private static final Pattern ACCEPT = Pattern.compile("^ACCEPT(?: .*:(\\d+))?$");
    private final Process process;
    private final int port;
    private final StringBuffer output = new StringBuffer();

    private OpenSslServer(List<String> command, int fixedPort) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        process = Orphans.watch(pb.start());
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    Matcher m = ACCEPT.matcher(line);
                    if (m.find()) {
                        ready.complete(m.group(1) != null ? Integer.parseInt(m.group(1)) : fixedPort);
                    }
                }
            } catch (IOException e) {
                // process gone
            }
            ready.completeExceptionally(new IOException("openssl s_server exited: " + output));
        }, "s_server-output");
        drain.setDaemon(true);
        drain.start();
        try {
            port = ready.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
            throw new IOException("openssl s_server did not start: " + output, e);
        }
    }

    static void assumeOpenSsl() {
        boolean present;
        try {
            present = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        assumeTrue(present, "openssl is not installed (apt-get install openssl): the TLS integration tests need real servers");
    }

    /** s_server on 127.0.0.1 (or the given bind address) with the given files and extra options. */
    static OpenSslServer start(String bind, String cert, String key, String chain, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-accept", bind.contains(":") ? bind : bind + ":0", "-cert", cert, "-key", key,
            "-www", "-no_dhe"));
        if (chain != null) {
            cmd.addAll(List.of("-cert_chain", chain));
        }
        cmd.addAll(List.of(extra));
        int fixed = bind.contains(":") ? Integer.parseInt(bind.substring(bind.lastIndexOf(':') + 1)) : 0;
        return new OpenSslServer(cmd, fixed);
    }

    /** s_server on [::1], port chosen by the kernel. */
    static OpenSslServer startIpv6(String cert, String key, String chain) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_server", "-6", "-accept", "[::1]:0", "-cert", cert, "-key",
            key, "-www", "-no_dhe", "-cert_chain", chain));
        return new OpenSslServer(cmd, 0);
    }

    int port() {
        return port;
    }

    /** CPU seconds (user + system) the server process has used so far, from /proc; -1 where there is no /proc. */
    double cpuSeconds() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the command name
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    String output() {
        return output.toString();
    }

    @Override
    public void close() {
        Orphans.forget(process);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
