package dev.vigil.logging;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The agent's logging, set up in code (found by logback through {@code META-INF/services}): one line per event in
 * {@link LogLayout} on stderr, through an asynchronous appender that never blocks (when the log sink stalls: a full
 * pipe, a stuck journald, a full disk, events queue up to 1024 and then are dropped instead of stopping the thread that
 * logs). In code rather than in a {@code logback.xml} because reading XML costs the start-up a hundred milliseconds
 * and a thousand classes. A {@code -Dlogback.configurationFile} (or a {@code logback-test.xml} on the class path, in
 * tests) takes precedence: logback's own configuration then runs instead.
 */
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final int QUEUE = 1024;

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null
            || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogLayout layout = new LogLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("STDERR");
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        AsyncAppender async = new AsyncAppender();
        async.setContext(ctx);
        async.setName("ASYNC");
        async.setQueueSize(QUEUE);
        async.setDiscardingThreshold(0);
        async.setNeverBlock(true);
        async.addAppender(console);
        async.start();
        ctx.getLogger("io.micronaut").setLevel(Level.WARN);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(async);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
