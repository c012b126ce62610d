package dev.vigil.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The {@code ip_family} option of every kind that connects: which of a name's addresses to use, in which order. */
public enum IpFamily {
    ANY, IP4, IP6, PREFER_IP4, PREFER_IP6;

    /** The configuration words, for {@code Section.choice}. */
    public static final List<String> NAMES = Arrays.stream(values()).map(IpFamily::word).toList();

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IpFamily of(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }

    /** The addresses this family allows, in the order to try them (resolver order within a family). */
    public List<InetAddress> apply(InetAddress[] resolved) {
        List<InetAddress> list = new ArrayList<>(Arrays.asList(resolved));
        switch (this) {
            case IP4 -> list.removeIf(a -> !(a instanceof Inet4Address));
            case IP6 -> list.removeIf(a -> !(a instanceof Inet6Address));
            case PREFER_IP4 -> list.sort(Comparator.comparing(a -> a instanceof Inet4Address ? 0 : 1));
            case PREFER_IP6 -> list.sort(Comparator.comparing(a -> a instanceof Inet6Address ? 0 : 1));
            default -> {
            }
        }
        return list;
    }

    @Override
    public String toString() {
        return word();
    }
}
