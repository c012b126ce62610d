package dev.vigil.net;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The header fields of an answer, names case-insensitive (kept in lower case), values in the order received. */
public final class Headers {
    private final Map<String, List<String>> fields;

    Headers(Map<String, List<String>> lowerCaseFields) {
        this.fields = lowerCaseFields;
    }

    public Optional<String> firstValue(String name) {
        List<String> v = fields.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    public List<String> all(String name) {
        return fields.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }
}
