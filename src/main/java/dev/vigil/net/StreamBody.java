package dev.vigil.net;

import dev.vigil.probe.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A response body as an {@link InputStream} that ends at the deadline and at a byte cap. The JDK's own
 * {@code ofInputStream} blocks in a read for as long as the server keeps the connection open, and
 * {@code HttpRequest.timeout} covers the headers only: here each wait for the next chunk is bounded by what is left
 * of the deadline. One chunk list is asked at a time, so a fast server cannot make it buffer more than that.
 */
final class StreamBody extends InputStream implements HttpResponse.BodySubscriber<InputStream> {
    private static final Object END = new Object();

    private final long maxBytes;
    private final Deadline deadline;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private Iterator<ByteBuffer> chunks = List.<ByteBuffer>of().iterator();
    private ByteBuffer current;
    private long received;
    private boolean ended;

    StreamBody(long maxBytes, Deadline deadline) {
        this.maxBytes = maxBytes;
        this.deadline = deadline;
    }

    @Override
    public CompletionStage<InputStream> getBody() {
        return CompletableFuture.completedFuture(this);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        queue.add(items);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(END);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || !current.hasRemaining()) {
            if (chunks.hasNext()) {
                current = chunks.next();
                continue;
            }
            if (ended || !next()) {
                return -1;
            }
        }
        int n = Math.min(len, current.remaining());
        current.get(b, off, n);
        return n;
    }

    /** Waits for the next chunk list within the deadline; false at the end of the body. */
    @SuppressWarnings("unchecked")
    private boolean next() throws IOException {
        Object item;
        try {
            item = queue.poll(deadline.remaining().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new java.io.InterruptedIOException("interrupted while reading the body");
        }
        if (item == null) {
            close();
            throw new HttpTimeoutException("body not received within the timeout (" + received + " bytes read)");
        }
        if (item instanceof Throwable t) {
            ended = true;
            throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
        }
        if (item == END) {
            ended = true;
            return false;
        }
        List<ByteBuffer> list = (List<ByteBuffer>) item;
        for (ByteBuffer bb : list) {
            received += bb.remaining();
        }
        if (received > maxBytes) {
            close();
            throw new TooLarge(maxBytes);
        }
        chunks = list.iterator();
        subscription.request(1);
        return true;
    }

    @Override
    public void close() {
        ended = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
