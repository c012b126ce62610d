package dev.vigil.web;

import at.favre.lib.crypto.bcrypt.BCrypt;
import dev.vigil.agent.Agent;
import dev.vigil.config.ConfigException;
import dev.vigil.config.HostPaths;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Nullable;
import io.prometheus.metrics.core.metrics.Counter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP basic authentication of every endpoint against the bcrypt hashes of {@code --web.config.file}. A verified
 * password is remembered (as a SHA-256, never in clear) so a scrape every 15 s does not pay bcrypt each time, and at
 * most two bcrypt checks run at once, so a flood of wrong passwords cannot take more than two cores.
 * Failures are counted by reason and logged with the user name only.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public final class BasicAuthFilter {
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthFilter.class);
    private final Map<String, String> users;
    private final Map<String, byte[]> verified = new ConcurrentHashMap<>();
    private final Semaphore bcryptSlots = new Semaphore(2);
    private final Counter failures;

    public BasicAuthFilter(@Value("${vigil.web-config-file:}") String webConfigFile, Agent agent) throws ConfigException {
        this.users = webConfigFile.isEmpty() ? Map.of()
            : WebConfig.load(Path.of(webConfigFile), HostPaths.HOST).basicAuthUsers();
        this.failures = Counter.builder().name("vigil_http_auth_failures_total")
            .help("Requests refused by basic authentication, by reason (missing, unknown_user, bad_password).")
            .labelNames("reason").register(agent.registry());
        for (String reason : new String[] {"missing", "unknown_user", "bad_password"}) {
            failures.labelValues(reason);
        }
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        if (users.isEmpty()) {
            return null;
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return refuse("missing", null, request);
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return refuse("missing", null, request);
        }
        int colon = decoded.indexOf(':');
        String user = colon < 0 ? decoded : decoded.substring(0, colon);
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        String hash = users.get(user);
        if (hash == null) {
            return refuse("unknown_user", user, request);
        }
        byte[] digest = sha256(user + '\0' + password);
        byte[] known = verified.get(user);
        if (known != null && MessageDigest.isEqual(known, digest)) {
            return null;
        }
        boolean ok;
        bcryptSlots.acquireUninterruptibly();
        try {
            ok = BCrypt.verifyer().verify(password.toCharArray(), hash.toCharArray()).verified;
        } finally {
            bcryptSlots.release();
        }
        if (!ok) {
            return refuse("bad_password", user, request);
        }
        verified.put(user, digest);
        return null;
    }

    private HttpResponse<?> refuse(String reason, String user, HttpRequest<?> request) {
        failures.labelValues(reason).inc();
        LOG.atWarn().addKeyValue("reason", reason).addKeyValue("user", user == null ? "" : user)
            .addKeyValue("path", request.getPath()).addKeyValue("remote", request.getRemoteAddress().getAddress().getHostAddress())
            .log("request refused: authentication failed");
        return HttpResponse.status(HttpStatus.UNAUTHORIZED).header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"vigil\"")
            .body("unauthorized\n");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
