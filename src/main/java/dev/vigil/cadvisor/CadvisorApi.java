package dev.vigil.cadvisor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.vigil.net.Json;
import dev.vigil.net.Reasons;
import dev.vigil.probe.ProbeFailure;
import dev.vigil.probe.SeriesLimits;
import java.io.IOException;
import java.io.InputStream;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads cAdvisor's REST answer {@code /api/v1.3/subcontainers/} (an array of v1 {@code ContainerInfo}: name, aliases,
 * spec, stats) as a JSON stream into the same {@link CadvisorResponse} the exposition reader fills. v1.3 is the API
 * version whose stats carry {@code oom_events}; only the newest stat of each container is used and everything else is
 * skipped without being built.
 */
final class CadvisorApi {
    static final String PATH = "/api/v1.3/subcontainers/";
    /** Asks for one stat per container instead of cAdvisor's default 60. */
    static final String REQUEST_BODY = "{\"num_stats\":1}";

    private CadvisorApi() {
    }

    static CadvisorResponse read(InputStream in, int maxCgroups) throws IOException, ProbeFailure {
        CadvisorResponse r = new CadvisorResponse();
        try (JsonParser p = Json.parser(in)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new ProbeFailure(Reasons.BAD_RESPONSE, "expected a JSON array of containers from " + PATH);
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                CgroupStats c = container(p, r);
                if (c.id.isEmpty()) {
                    continue;
                }
                if (r.cgroups.size() >= maxCgroups) {
                    r.cgroupsOverLimit++;
                    if (c.isContainer()) {
                        r.containersOverLimit++;
                    }
                } else {
                    r.cgroups.put(c.id, c);
                    r.samples++;
                }
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw new ProbeFailure(Reasons.BAD_RESPONSE, "unexpected " + p.currentToken() + " in the container list");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "invalid JSON from " + PATH + ": " + e.getOriginalMessage());
        }
        if (r.cgroups.isEmpty()) {
            throw new ProbeFailure(Reasons.BAD_RESPONSE, "no containers in the answer of " + PATH);
        }
        return r;
    }

    private static CgroupStats container(JsonParser p, CadvisorResponse r) throws IOException {
        String name = "";
        String alias = "";
        Spec spec = new Spec();
        Stat stat = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "name" -> name = text(p);
                case "aliases" -> {
                    if (t == JsonToken.START_ARRAY) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            if (alias.isEmpty() && p.currentToken() == JsonToken.VALUE_STRING) {
                                alias = SeriesLimits.cap(p.getText());
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                }
                case "spec" -> spec = spec(p);
                case "stats" -> {
                    if (t == JsonToken.START_ARRAY) {
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            stat = stat(p); // stats are oldest first: the last one wins
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        CgroupStats c = new CgroupStats(name);
        c.name = alias;
        c.image = spec.image;
        c.container = spec.container;
        c.pod = spec.pod;
        c.namespace = spec.namespace;
        c.startTimeSeconds = spec.creationSeconds;
        if (spec.hasMemory) {
            c.memoryLimitBytes = spec.memoryLimit;
        }
        if (stat != null) {
            c.workingSetBytes = stat.workingSet;
            if (!Double.isNaN(stat.cpuNanos)) {
                c.hasCpu = true;
                c.cpuSecondsTotalLabel = stat.cpuNanos / 1e9;
            }
            c.periods = stat.periods;
            c.throttledPeriods = stat.throttled;
            c.oomEvents = stat.oomEvents;
            if (stat.timestampMillis > r.maxTimestampMillis) {
                r.maxTimestampMillis = stat.timestampMillis;
            }
        }
        return c;
    }

    private static final class Spec {
        String image = "";
        String container = "";
        String pod = "";
        String namespace = "";
        boolean hasMemory;
        double memoryLimit = Double.NaN;
        double creationSeconds = Double.NaN;
    }

    private static Spec spec(JsonParser p) throws IOException {
        Spec s = new Spec();
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return s;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "image" -> s.image = text(p);
                case "has_memory" -> s.hasMemory = p.currentToken() == JsonToken.VALUE_TRUE;
                case "creation_time" -> {
                    long ms = timestampMillis(text(p));
                    s.creationSeconds = ms < 0 ? Double.NaN : ms / 1000.0;
                }
                case "memory" -> {
                    double[] limit = {Double.NaN};
                    object(p, (f, q) -> {
                        if (f.equals("limit")) {
                            limit[0] = number(q);
                        } else {
                            q.skipChildren();
                        }
                    });
                    s.memoryLimit = limit[0];
                }
                case "labels" -> object(p, (f, q) -> {
                    switch (f) {
                        case "io.kubernetes.container.name" -> s.container = text(q);
                        case "io.kubernetes.pod.name" -> s.pod = text(q);
                        case "io.kubernetes.pod.namespace" -> s.namespace = text(q);
                        default -> q.skipChildren();
                    }
                });
                default -> p.skipChildren();
            }
        }
        return s;
    }

    private static final class Stat {
        long timestampMillis = -1;
        double cpuNanos = Double.NaN;
        double periods = Double.NaN;
        double throttled = Double.NaN;
        double workingSet = Double.NaN;
        double oomEvents = 0; // omitted when zero (omitempty)
    }

    private static Stat stat(JsonParser p) throws IOException {
        Stat s = new Stat();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "timestamp" -> s.timestampMillis = timestampMillis(text(p));
                case "oom_events" -> s.oomEvents = number(p);
                case "cpu" -> object(p, (f, q) -> {
                    if (f.equals("usage")) {
                        object(q, (g, u) -> {
                            if (g.equals("total")) {
                                s.cpuNanos = number(u);
                            } else {
                                u.skipChildren();
                            }
                        });
                    } else if (f.equals("cfs")) {
                        s.periods = 0;
                        s.throttled = 0;
                        object(q, (g, u) -> {
                            switch (g) {
                                case "periods" -> s.periods = number(u);
                                case "throttled_periods" -> s.throttled = number(u);
                                default -> u.skipChildren();
                            }
                        });
                    } else {
                        q.skipChildren();
                    }
                });
                case "memory" -> object(p, (f, q) -> {
                    if (f.equals("working_set")) {
                        s.workingSet = number(q);
                    } else {
                        q.skipChildren();
                    }
                });
                default -> p.skipChildren();
            }
        }
        return s;
    }

    interface FieldReader {
        void read(String field, JsonParser p) throws IOException;
    }

    /** Walks the fields of the object the parser is on; skips anything that is not an object. */
    private static void object(JsonParser p, FieldReader reader) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            reader.read(field, p);
        }
    }

    private static String text(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return SeriesLimits.cap(p.getText());
        }
        p.skipChildren();
        return "";
    }

    /** uint64 fields (limits up to 2^64-1) read as doubles; anything else is "unknown". */
    private static double number(JsonParser p) throws IOException {
        if (p.currentToken().isNumeric()) {
            return p.getValueAsDouble();
        }
        p.skipChildren();
        return Double.NaN;
    }

    private static long timestampMillis(String rfc3339) {
        if (rfc3339.isEmpty()) {
            return -1;
        }
        try {
            OffsetDateTime t = OffsetDateTime.parse(rfc3339);
            // Go's zero time means "unknown"
            return t.getYear() <= 1 ? -1 : t.toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
