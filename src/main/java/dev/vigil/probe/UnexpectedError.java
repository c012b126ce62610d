package dev.vigil.probe;

/**
 * An unexpected exception made safe to print. Library messages may quote what they were given (the JDK HTTP client
 * quotes a whole header value, URI parsers quote the URL with its password), so the message of an exception nobody
 * anticipated is never shown: the status page, the {@code probe} command and the log get the exception's class and
 * where it was thrown; the log also gets its stack trace, every message of the chain removed.
 */
public final class UnexpectedError extends RuntimeException {
    private UnexpectedError(String className, StackTraceElement[] trace, UnexpectedError cause) {
        super(className + " (message withheld: it may quote a secret)", cause, false, true);
        setStackTrace(trace);
    }

    /** The same chain of exception classes and stack traces as {@code t}, without any message. */
    public static UnexpectedError scrub(Throwable t) {
        return scrub(t, 0);
    }

    private static UnexpectedError scrub(Throwable t, int depth) {
        UnexpectedError cause = t.getCause() != null && t.getCause() != t && depth < 8 ? scrub(t.getCause(), depth + 1)
            : null;
        return new UnexpectedError(t.getClass().getName(), t.getStackTrace(), cause);
    }

    /** One line for people: the exception's simple class name and the frame that threw it. */
    public static String describe(Throwable t) {
        StackTraceElement[] trace = t.getStackTrace();
        String where = trace.length == 0 ? "" : " at " + trace[0].getClassName().substring(
            trace[0].getClassName().lastIndexOf('.') + 1) + "." + trace[0].getMethodName() + ":" + trace[0].getLineNumber();
        return "unexpected " + t.getClass().getSimpleName() + where;
    }
}
