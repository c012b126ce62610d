package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void parsesPrometheusStyleDurations() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(24), Durations.parse("24h"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofDays(14), Durations.parse("2w"));
        assertEquals(Duration.ofDays(1).plusMillis(5), Durations.parse("1d5ms"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "30", "-5s", "5 s", "5x", "30m1h", "1.5h", "s"})
    void refusesAnythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    @Test
    void formatRoundTrips() {
        for (String s : new String[] {"250ms", "30s", "5m", "1h30m", "2d", "1d1h1m1s1ms"}) {
            assertEquals(Durations.parse(s), Durations.parse(Durations.format(Durations.parse(s))));
        }
        assertEquals("1h30m", Durations.format(Duration.ofMinutes(90)));
    }

    @Test
    void sizes() {
        assertEquals(512, Sizes.parse("512"));
        assertEquals(10L << 20, Sizes.parse("10MiB"));
        assertEquals(100_000_000L, Sizes.parse("100MB"));
        assertEquals((long) (1.5 * (1L << 30)), Sizes.parse("1.5GiB"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1MiB"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("10 parsecs"));
    }

    @Test
    void didYouMean() {
        assertEquals(" (did you mean \"timeout\"?)", DidYouMean.suggest("timout", java.util.List.of("interval", "timeout")));
        assertEquals("", DidYouMean.suggest("banana", java.util.List.of("interval", "timeout")));
    }
}
