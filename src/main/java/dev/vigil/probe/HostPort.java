package dev.vigil.probe;

/** A {@code host:port} target: names, IPv4 and bracketed IPv6 ({@code [::1]:443}). */
public record HostPort(String host, int port) {

    public static HostPort parse(String text) {
        String s = text.trim();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("\"" + text + "\" is not [IPv6]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("\"" + text + "\" is not host:port (write IPv6 as [::1]:443)");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" has no numeric port");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " in \"" + text + "\" is out of range 1-65535");
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("\"" + text + "\" has no host");
        }
        return new HostPort(host, p);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
