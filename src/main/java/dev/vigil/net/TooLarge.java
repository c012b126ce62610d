package dev.vigil.net;

/** An answer past its byte limit: reason {@code too_large}. The reader stops at the limit, it never buffers past it. */
public final class TooLarge extends java.io.IOException {
    private final long limit;

    public TooLarge(long limit) {
        super("answer larger than " + limit + " bytes", null);
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }
}
