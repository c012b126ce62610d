package dev.vigil.web;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.vigil.agent.Agent;
import dev.vigil.config.ConfigException;
import dev.vigil.config.HostPaths;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.filter.FilterContinuation;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.prometheus.metrics.core.metrics.Counter;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP basic authentication of every endpoint against the bcrypt hashes of {@code --web.config.file}.
 *
 * <p>bcrypt costs tens of milliseconds by design, so it never runs on the server's event loop, where it would stall
 * every other request: it runs on a pool of {@link #BCRYPT_THREADS} threads with a queue of {@link #BCRYPT_QUEUE}
 * checks; when both are full the request is answered 429 at once (counted as {@code overloaded}) instead of waiting.
 * A verified password is remembered per user as a SHA-256 of user and password (never in clear), so the scrape
 * every 15 s is checked on the event loop in microseconds and does not queue behind a flood of wrong passwords. An
 * unknown user is checked against a dummy hash of the same cost, so the answer time does not tell which users exist.
 * A password longer than bcrypt's 72 bytes is refused ({@code password_too_long}). Failures are counted by reason
 * and logged with the user name only, at most one line per second per reason (the rest are counted, not logged).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class BasicAuthFilter implements AutoCloseable {
    static final int BCRYPT_THREADS = 2;
    static final int BCRYPT_QUEUE = 64;
    static final int MAX_PASSWORD_BYTES = 72;
    static final String[] REASONS = {"missing", "unknown_user", "bad_password", "password_too_long", "overloaded"};
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthFilter.class);

    private final Map<String, String> users;
    private final String dummyHash;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor bcrypt;
    private final Counter failures;
    private final Map<String, AtomicLong> lastLogNanos = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> unlogged = new ConcurrentHashMap<>();

    public BasicAuthFilter(@Value("${vigil.web-config-file:}") String webConfigFile, Agent agent) throws ConfigException {
        this.users = webConfigFile.isEmpty() ? Map.of()
            : WebConfig.load(Path.of(webConfigFile), HostPaths.HOST).basicAuthUsers();
        this.dummyHash = users.isEmpty() ? "" : dummyHash(users.values().iterator().next());
        AtomicInteger n = new AtomicInteger();
        this.bcrypt = new ThreadPoolExecutor(BCRYPT_THREADS, BCRYPT_THREADS, 1, TimeUnit.MINUTES,
            new ArrayBlockingQueue<>(BCRYPT_QUEUE), r -> {
                Thread t = new Thread(r, "vigil-bcrypt-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        this.failures = Counter.builder().name("vigil_http_auth_failures_total")
            .help("Requests refused by basic authentication, by reason (missing, unknown_user, bad_password,"
                + " password_too_long, overloaded).")
            .labelNames("reason").register(agent.registry());
        for (String reason : REASONS) {
            failures.labelValues(reason);
            lastLogNanos.put(reason, new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(2)));
            unlogged.put(reason, new AtomicLong());
        }
    }

    @RequestFilter
    public Publisher<MutableHttpResponse<?>> filter(HttpRequest<?> request,
                                                   FilterContinuation<Publisher<MutableHttpResponse<?>>> chain) {
        CompletableFuture<@Nullable MutableHttpResponse<?>> verdict = authenticate(request);
        if (verdict.isDone() && verdict.getNow(null) == null) {
            return chain.proceed(); // no users, or a remembered password: on the event loop, no hop
        }
        // completes on the bcrypt pool; an empty verdict (null) lets the request through
        return Mono.fromFuture(verdict).flatMap(r -> Mono.<MutableHttpResponse<?>>just(r))
            .switchIfEmpty(Mono.defer(() -> Mono.from(chain.proceed())));
    }

    CompletableFuture<@Nullable MutableHttpResponse<?>> authenticate(HttpRequest<?> request) {
        if (users.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return refused("missing", null, request);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return refused("missing", null, request);
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        byte[] digest = sha256(user + '\0' + password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return CompletableFuture.completedFuture(null);
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return refused("password_too_long", user, request);
        }
        String hash = users.get(user);
        try {
            return CompletableFuture.supplyAsync(() -> {
                // equal work for unknown users: the answer time does not tell whether the user exists
                boolean ok = BCrypt.verifyer().verify(password.toCharArray(), (hash != null ? hash : dummyHash)
                    .toCharArray()).verified;
                if (ok && hash != null) {
                    verified.put(user, digest);
                    return null;
                }
                return refuse(hash == null ? "unknown_user" : "bad_password", user, request);
            }, bcrypt);
        } catch (RejectedExecutionException e) {
            MutableHttpResponse<?> busy = HttpResponse.status(HttpStatus.TOO_MANY_REQUESTS).header(HttpHeaders.RETRY_AFTER, "1")
                .body("too many password checks in progress; retry later\n");
            count("overloaded", user, request);
            return CompletableFuture.completedFuture(busy);
        }
    }

    private CompletableFuture<@Nullable MutableHttpResponse<?>> refused(String reason, String user, HttpRequest<?> request) {
        return CompletableFuture.completedFuture(refuse(reason, user, request));
    }

    private MutableHttpResponse<?> refuse(String reason, String user, HttpRequest<?> request) {
        count(reason, user, request);
        return HttpResponse.status(HttpStatus.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"vigil\"")
            .body("unauthorized\n");
    }

    /** Counts every failure; logs at most one line a second per reason, with how many went unlogged before it. */
    private void count(String reason, String user, HttpRequest<?> request) {
        failures.labelValues(reason).inc();
        long now = System.nanoTime();
        AtomicLong lastLog = lastLogNanos.get(reason);
        long last = lastLog.get();
        if (now - last < TimeUnit.SECONDS.toNanos(1) || !lastLog.compareAndSet(last, now)) {
            unlogged.get(reason).incrementAndGet();
            return;
        }
        LOG.atWarn().addKeyValue("reason", reason).addKeyValue("user", user == null ? "" : user)
            .addKeyValue("path", request.getPath())
            .addKeyValue("remote", request.getRemoteAddress().getAddress().getHostAddress())
            .addKeyValue("unlogged_failures", unlogged.get(reason).getAndSet(0))
            .log("request refused: authentication failed");
    }

    /** A hash of a random password with the cost of {@code like}, for checking unknown users. */
    private static String dummyHash(String like) {
        int cost = Integer.parseInt(like.substring(like.indexOf('$', 1) + 1, like.indexOf('$', 1) + 3));
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(cost,
            Base64.getEncoder().encodeToString(random).toCharArray());
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    @Override
    public void close() {
        bcrypt.shutdownNow();
    }
}
