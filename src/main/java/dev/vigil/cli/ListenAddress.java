package dev.vigil.cli;

/**
 * {@code --web.listen-address}: {@code :9847} (every interface), {@code 127.0.0.1:9847}, {@code [::1]:9847}.
 * Port 9847 is vigil's default (see README, "Port").
 */
public record ListenAddress(String host, int port) {
    public static final int DEFAULT_PORT = 9847;
    public static final String DEFAULT = ":" + DEFAULT_PORT;

    public static ListenAddress parse(String text) throws CommandLine.UsageException {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new CommandLine.UsageException("--web.listen-address must be [host]:port, e.g. :" + DEFAULT_PORT
                + " or 127.0.0.1:" + DEFAULT_PORT + "; got \"" + text + "\"");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.UsageException("--web.listen-address has no numeric port: \"" + text + "\"");
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.UsageException("--web.listen-address port " + port + " is out of range 0-65535");
        }
        return new ListenAddress(host, port);
    }
}
