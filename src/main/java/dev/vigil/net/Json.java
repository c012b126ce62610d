package dev.vigil.net;

import dev.vigil.net.BadResponse;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one way the kinds read the small JSON answers of the components they watch (etcd's gateway, cAdvisor's API,
 * clickhouse-backup's list, keepalived's dump): jackson-core (on the classpath through micronaut-serde-jackson;
 * jackson-databind is not) with one set of bounds, nesting depth and string length, on top of the byte cap of the
 * transport. Large answers are walked as a stream with {@link #parser}; small ones are read into this read-only tree,
 * whose accessors are tolerant as Go's encoders need: 64-bit numbers come as decimal strings or as numbers, and fields
 * at their zero value are omitted.
 */
public final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(1 << 20).build())
        .build();
    public static final Json MISSING = new Json(null);

    /** A streaming parser with the shared bounds; the caller bounds the bytes of {@code in}. */
    public static JsonParser parser(java.io.InputStream in) throws IOException {
        return FACTORY.createParser(in);
    }

    public static JsonParser parser(byte[] body) throws IOException {
        return FACTORY.createParser(body);
    }

    private final Object value;

    private Json(Object value) {
        this.value = value;
    }

    /** Parses a whole document; anything that is not JSON is a {@link BadResponse}. */
    public static Json parse(byte[] body) throws BadResponse {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new BadResponse("empty body");
            }
            Object v = read(p, t);
            if (p.nextToken() != null) {
                throw new BadResponse("trailing data after the JSON document");
            }
            return new Json(v);
        } catch (JsonProcessingException e) {
            throw new BadResponse("invalid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadResponse("invalid JSON: " + e.getMessage());
        }
    }

    private static Object read(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, read(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(read(p, e));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return p.getDecimalValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new JsonProcessingException("unexpected token " + t) {
            };
        }
    }

    public boolean isObject() {
        return value instanceof Map;
    }

    public boolean isMissing() {
        return value == null;
    }

    public Json get(String key) {
        if (value instanceof Map<?, ?> m && m.get(key) != null) {
            return new Json(m.get(key));
        }
        return MISSING;
    }

    public List<Json> array() {
        if (value instanceof List<?> l) {
            return l.stream().map(Json::new).toList();
        }
        return List.of();
    }

    public Optional<String> text() {
        if (value instanceof String s) {
            return Optional.of(s);
        }
        if (value instanceof java.math.BigDecimal d) {
            return Optional.of(d.toPlainString());
        }
        if (value instanceof Boolean b) {
            return Optional.of(b.toString());
        }
        return Optional.empty();
    }

    public String text(String dflt) {
        return text().orElse(dflt);
    }

    /**
     * An unsigned 64-bit integer written as a string or a number; absent means the proto3 zero value, {@code dflt}.
     * Throws when present but not an integer in [0, 2^64).
     */
    public BigInteger uint64(BigInteger dflt) throws BadResponse {
        Optional<String> t = text();
        if (t.isEmpty()) {
            if (value != null) {
                throw new BadResponse("expected a number, got " + value.getClass().getSimpleName());
            }
            return dflt;
        }
        try {
            BigInteger v = new java.math.BigDecimal(t.get()).toBigIntegerExact();
            if (v.signum() < 0 || v.bitLength() > 64) {
                throw new BadResponse("number out of the uint64 range: " + t.get());
            }
            return v;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new BadResponse("expected an integer, got \"" + t.get() + "\"");
        }
    }

    /** An unsigned 64-bit integer as a double (metric values); 0 when absent. */
    public double number() throws BadResponse {
        return uint64(BigInteger.ZERO).doubleValue();
    }

    public boolean bool() {
        return value instanceof Boolean b ? b : value instanceof String s && s.equals("true");
    }
}
