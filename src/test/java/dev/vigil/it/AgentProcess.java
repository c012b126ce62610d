package dev.vigil.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The agent started from {@code target/vigil.jar} as a separate process, the way README.md says. Its standard error
 * is collected line by line so tests wait for log events instead of sleeping; {@link #close()} stops it by pid.
 */
public final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final Object logged = new Object();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile URI base;

    private final Thread reader;

    private AgentProcess(Process process) {
        this.process = process;
        this.reader = new Thread(this::readLog, "vigil-log-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    /** Stops the agent as systemd does (SIGTERM) and returns its exit code once its whole log has been read. */
    public int stop() throws InterruptedException {
        close();
        reader.join(TimeUnit.SECONDS.toMillis(10));
        return process.exitValue();
    }

    public static Path jar() {
        return Path.of(System.getProperty("vigil.jar", "target/vigil.jar"));
    }

    /** Starts {@code java -jar target/vigil.jar ARGS...}. */
    public static AgentProcess start(String... args) throws IOException {
        return startWithJvmOptions(List.of(), args);
    }

    /** Starts {@code java JVM_OPTIONS... -jar target/vigil.jar ARGS...}. */
    public static AgentProcess startWithJvmOptions(List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Starts the agent under {@code nohup}: SIGHUP ignored from its first instruction, as a parent can leave it. */
    public static AgentProcess startIgnoringSighup(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("nohup", javaBinary(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return new AgentProcess(new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** Runs a command of the jar to completion and returns exit code and output. */
    public static Result run(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        try {
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("vigil " + String.join(" ", args) + " did not end within " + timeout);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } finally {
            p.destroyForcibly();
        }
    }

    public record Result(int exitCode, String stdout, String stderr) {
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    public static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                log.add(line);
                synchronized (logged) {
                    logged.notifyAll();
                }
            }
        } catch (IOException e) {
            // process gone
        }
        synchronized (logged) {
            logged.notifyAll();
        }
    }

    /** Waits for a log line matching {@code match}; fails with the log so far when it does not come. */
    public String awaitLog(Predicate<String> match, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (logged) {
            while (true) {
                synchronized (log) {
                    for (String l : log) {
                        if (match.test(l)) {
                            return l;
                        }
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0 || !process.isAlive()) {
                    throw new AssertionError("expected log line did not come; log:\n" + String.join("\n", log));
                }
                TimeUnit.NANOSECONDS.timedWait(logged, Math.min(left, TimeUnit.MILLISECONDS.toNanos(250)));
            }
        }
    }

    /** Waits for the "listening" log line and remembers the address. */
    public AgentProcess awaitListening() throws InterruptedException {
        String line = awaitLog(l -> l.contains("msg=listening"), Duration.ofSeconds(60));
        String address = line.substring(line.indexOf("address=") + "address=".length()).trim();
        base = URI.create("http://" + (address.startsWith(":") ? "127.0.0.1" + address : address) + "/");
        return this;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code path} until its body satisfies {@code ok}; the agent's state is only observable over HTTP. */
    public String awaitBody(String path, Predicate<String> ok, Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            HttpResponse<String> r = get(path);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200 && ok.test(r.body())) {
                return r.body();
            }
            synchronized (logged) {
                logged.wait(100);
            }
        }
        throw new AssertionError("GET " + path + " never satisfied the condition; last answer: " + last);
    }

    public URI base() {
        return base;
    }

    public long pid() {
        return process.pid();
    }

    public List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    @Override
    public void close() throws InterruptedException {
        // SIGTERM through the handle: Process.destroy() also closes our end of the agent's stderr, and the lines it
        // writes while stopping ("agent stopping") would be lost
        process.toHandle().destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
