package dev.vigil.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed command line. Flags follow the Prometheus exporters ({@code --config.file}, {@code --web.listen-address},
 * ...), as {@code --flag=value} or {@code --flag value}. A mistake is one {@link UsageException} line.
 */
public record CommandLine(String command, Map<String, String> flags, List<String> arguments, Map<String, String> options) {
    public static final String RUN = "run";
    public static final String CHECK_CONFIG = "check-config";
    public static final String PROBE = "probe";
    public static final String HELP = "help";
    public static final String VERSION = "version";

    static final Set<String> GLOBAL_FLAGS = Set.of("config.file", "web.listen-address", "web.config.file", "log.level",
        "log.format", "path.rootfs");
    static final Set<String> PROBE_FLAGS = Set.of("output", "timeout");

    /** A command-line mistake: printed as one line, exit code 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message, null, false, false);
        }
    }

    public String flag(String name, String dflt) {
        return flags.getOrDefault(name, dflt);
    }

    public static CommandLine parse(String[] args) throws UsageException {
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        String command = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return new CommandLine(HELP, flags, positional, options);
            }
            if (a.equals("--version")) {
                return new CommandLine(VERSION, flags, positional, options);
            }
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                    value = args[++i];
                } else {
                    throw new UsageException("flag --" + name + " needs a value");
                }
                if (GLOBAL_FLAGS.contains(name)) {
                    flags.put(name, value);
                } else if (PROBE.equals(command) && PROBE_FLAGS.contains(name)) {
                    flags.put(name, value);
                } else if (PROBE.equals(command)) {
                    options.put(name.replace('-', '_'), value);
                } else {
                    throw new UsageException("unknown flag --" + name + " (see --help)");
                }
            } else if (a.startsWith("-") && a.length() > 1) {
                throw new UsageException("unknown flag " + a + " (flags start with --; see --help)");
            } else if (command == null) {
                if (!a.equals(CHECK_CONFIG) && !a.equals(PROBE)) {
                    throw new UsageException("unknown command \"" + a + "\" (commands: check-config, probe; see --help)");
                }
                command = a;
            } else {
                positional.add(a);
            }
        }
        if (command == null) {
            command = RUN;
        }
        validate(command, flags, positional);
        return new CommandLine(command, flags, List.copyOf(positional), options);
    }

    private static void validate(String command, Map<String, String> flags, List<String> positional)
        throws UsageException {
        switch (command) {
            case CHECK_CONFIG -> {
                if (positional.size() != 1) {
                    throw new UsageException("check-config takes one FILE, got " + positional.size() + " arguments");
                }
            }
            case PROBE -> {
                if (positional.size() != 2) {
                    throw new UsageException("probe takes KIND and TARGET, e.g. probe tcp 127.0.0.1:6443");
                }
                String output = flags.getOrDefault("output", "text");
                if (!output.equals("text") && !output.equals("json")) {
                    throw new UsageException("--output must be text or json, got \"" + output + "\"");
                }
            }
            default -> {
                if (!positional.isEmpty()) {
                    throw new UsageException("unexpected argument \"" + positional.get(0) + "\" (see --help)");
                }
            }
        }
        String level = flags.getOrDefault("log.level", "info");
        if (!Set.of("debug", "info", "warn", "error").contains(level)) {
            throw new UsageException("--log.level must be one of debug, info, warn, error; got \"" + level + "\"");
        }
        String format = flags.getOrDefault("log.format", "logfmt");
        if (!format.equals("logfmt") && !format.equals("json")) {
            throw new UsageException("--log.format must be logfmt or json, got \"" + format + "\"");
        }
        if (flags.containsKey("web.listen-address")) {
            ListenAddress.parse(flags.get("web.listen-address"));
        }
    }
}
