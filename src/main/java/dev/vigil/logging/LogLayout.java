package dev.vigil.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * One line per event, as Prometheus exporters log: {@code logfmt} ({@code ts=... level=warn msg="..." target=...})
 * or JSON with {@code --log.format=json}. Key/value pairs come from SLF4J's fluent API.
 */
public final class LogLayout extends LayoutBase<ILoggingEvent> {
    private static volatile boolean json;

    /** Applies {@code --log.level} and {@code --log.format}. */
    public static void configure(String level, String format) {
        json = "json".equals(format);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Level l = Level.toLevel(level.toUpperCase(Locale.ROOT), Level.INFO);
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(l);
        ctx.getLogger("dev.vigil").setLevel(l);
    }

    /**
     * Writes the process's last line straight to stderr, after the asynchronous appender has drained: a shutdown hook
     * cannot rely on the appender's thread, which other hooks may stop first.
     */
    public static void lastLine(Class<?> source, String message) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger logger = ctx.getLogger(source);
        ctx.stop();
        if (!logger.isInfoEnabled()) {
            return;
        }
        System.err.print(new LogLayout().doLayout(new ch.qos.logback.classic.spi.LoggingEvent(source.getName(), logger,
            Level.INFO, message, null, null)));
        System.err.flush();
    }

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder out = new StringBuilder(160);
        String ts = Instant.ofEpochMilli(e.getTimeStamp()).toString();
        String level = e.getLevel().toString().toLowerCase(Locale.ROOT);
        String logger = shortName(e.getLoggerName());
        if (json) {
            out.append("{\"ts\":").append(jsonString(ts)).append(",\"level\":").append(jsonString(level))
                .append(",\"logger\":").append(jsonString(logger)).append(",\"msg\":")
                .append(jsonString(e.getFormattedMessage()));
            if (e.getKeyValuePairs() != null) {
                for (KeyValuePair kv : e.getKeyValuePairs()) {
                    out.append(',').append(jsonString(kv.key)).append(':').append(jsonString(String.valueOf(kv.value)));
                }
            }
            if (e.getThrowableProxy() != null) {
                out.append(",\"stack\":").append(jsonString(stack(e.getThrowableProxy())));
            }
            out.append("}\n");
        } else {
            out.append("ts=").append(ts).append(" level=").append(level).append(" logger=").append(logger)
                .append(" msg=").append(logfmt(e.getFormattedMessage()));
            if (e.getKeyValuePairs() != null) {
                for (KeyValuePair kv : e.getKeyValuePairs()) {
                    out.append(' ').append(kv.key).append('=').append(logfmt(String.valueOf(kv.value)));
                }
            }
            if (e.getThrowableProxy() != null) {
                out.append(" stack=").append(logfmt(stack(e.getThrowableProxy())));
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String stack(IThrowableProxy t) {
        return ThrowableProxyUtil.asString(t);
    }

    private static String shortName(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(dot + 1);
    }

    static String logfmt(String v) {
        if (v == null) {
            return "\"\"";
        }
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c > ' ' && c != '"' && c != '=' && c != '\\' && c < 127;
        }
        if (plain) {
            return v;
        }
        return jsonString(v);
    }

    public static String jsonString(String v) {
        StringBuilder out = new StringBuilder(v.length() + 2).append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
