package dev.vigil.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The wire side of {@link BoundedHttp}: an HTTP/1.1 response read from a connection with every part bounded. The
 * status line and headers together are at most {@link #MAX_HEAD_BYTES} in at most {@link #MAX_HEADERS} fields; the
 * body is framed by {@code Transfer-Encoding: chunked}, {@code Content-Length} or the end of the connection, and the
 * caller caps it.
 */
final class Http1 {
    /** Status line and headers: Go's and Netty's servers answer with well under 1 KiB. */
    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_HEADERS = 100;
    /** A chunk-size line: hex digits and extensions; nothing a real server sends comes near it. */
    private static final int MAX_CHUNK_LINE = 1024;

    private Http1() {
    }

    /** A response's status and headers. */
    record Head(int status, Headers headers) {
    }

    /**
     * Reads the status line and headers, skipping interim {@code 1xx} answers. The stream is left at the first byte of
     * the body.
     */
    static Head readHead(InputStream in) throws IOException, BadResponse {
        int[] budget = {MAX_HEAD_BYTES};
        while (true) {
            String status = line(in, budget, true);
            if (status == null) {
                throw new EOFException("connection closed before the status line");
            }
            int code = statusCode(status);
            Map<String, List<String>> fields = new LinkedHashMap<>();
            int count = 0;
            for (String l = line(in, budget, false); !l.isEmpty(); l = line(in, budget, false)) {
                if (++count > MAX_HEADERS) {
                    throw new BadResponse("more than " + MAX_HEADERS + " header fields");
                }
                int colon = l.indexOf(':');
                if (colon <= 0 || l.charAt(0) == ' ' || l.charAt(0) == '\t') {
                    throw new BadResponse("malformed header line");
                }
                fields.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>(1))
                    .add(l.substring(colon + 1).trim());
            }
            if (code >= 100 && code < 200) {
                if (code == 101) {
                    throw new BadResponse("the server switched protocols (HTTP 101)");
                }
                continue;
            }
            return new Head(code, new Headers(fields));
        }
    }

    private static int statusCode(String line) throws BadResponse {
        // HTTP/1.1 200 OK
        if (!line.startsWith("HTTP/1.") || line.length() < 12 || line.charAt(8) != ' ') {
            throw new BadResponse("not an HTTP/1.x answer");
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadResponse("malformed status line");
            }
            code = code * 10 + (c - '0');
        }
        if (line.length() > 12 && line.charAt(12) != ' ') {
            throw new BadResponse("malformed status line");
        }
        return code;
    }

    /**
     * One line without its CRLF (a bare LF is accepted), charged to {@code budget}; null at a clean end of stream
     * before the first byte when {@code first}.
     */
    private static String line(InputStream in, int[] budget, boolean first) throws IOException, BadResponse {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (first && sb.length() == 0) {
                    return null;
                }
                throw new EOFException("connection closed inside the response headers");
            }
            if (--budget[0] < 0) {
                throw new BadResponse("response headers larger than " + MAX_HEAD_BYTES + " bytes");
            }
            if (b == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    /**
     * The body of a response to {@code method}: empty where HTTP has none, else framed as the headers say. The
     * returned stream does not close {@code in}.
     */
    static InputStream body(InputStream in, String method, Head head) throws BadResponse {
        int s = head.status();
        if ("HEAD".equals(method) || s == 204 || s == 304) {
            return InputStream.nullInputStream();
        }
        String te = head.headers().firstValue("transfer-encoding").orElse("");
        if (!te.isEmpty()) {
            if (!te.toLowerCase(Locale.ROOT).endsWith("chunked")) {
                throw new BadResponse("unsupported transfer encoding");
            }
            return new Chunked(in);
        }
        List<String> lengths = head.headers().all("content-length");
        if (!lengths.isEmpty()) {
            long length = -1;
            for (String v : lengths) {
                long l = parseLength(v);
                if (length >= 0 && l != length) {
                    throw new BadResponse("conflicting Content-Length fields");
                }
                length = l;
            }
            return new Fixed(in, length);
        }
        return new Unframed(in);
    }

    private static long parseLength(String v) throws BadResponse {
        if (v.isEmpty() || v.length() > 18) {
            throw new BadResponse("malformed Content-Length");
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadResponse("malformed Content-Length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** A body stream read in blocks; the single-byte read goes through the block read. */
    abstract static class BodyStream extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }
    }

    /** Exactly {@code length} bytes; an earlier end of the connection is an error (a cut-off body). */
    private static final class Fixed extends BodyStream {
        private final InputStream in;
        private long left;

        Fixed(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left == 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed " + left + " bytes before the end of the body");
            }
            left -= n;
            return n;
        }
    }

    /** A body that ends when the server closes the connection (HTTP/1.0 style). */
    private static final class Unframed extends InputStream {
        private final InputStream in;

        Unframed(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }
    }

    /** {@code Transfer-Encoding: chunked}: chunk extensions ignored, trailers read and dropped (within a bound). */
    private static final class Chunked extends BodyStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                left = nextSize();
                if (left == 0) {
                    trailers();
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("connection closed inside a chunk");
            }
            left -= n;
            if (left == 0) {
                crlf();
            }
            return n;
        }

        private long nextSize() throws IOException {
            String l = chunkLine();
            int semi = l.indexOf(';');
            String hex = (semi >= 0 ? l.substring(0, semi) : l).trim();
            if (hex.isEmpty() || hex.length() > 15) {
                throw new IOException("malformed chunk size");
            }
            try {
                return Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new IOException("malformed chunk size");
            }
        }

        private void crlf() throws IOException {
            if (!chunkLine().isEmpty()) {
                throw new IOException("chunk not followed by CRLF");
            }
        }

        private void trailers() throws IOException {
            int budget = MAX_HEAD_BYTES;
            for (String l = chunkLine(); !l.isEmpty(); l = chunkLine()) {
                budget -= l.length() + 2;
                if (budget < 0) {
                    throw new IOException("trailers larger than " + MAX_HEAD_BYTES + " bytes");
                }
            }
        }

        private String chunkLine() throws IOException {
            StringBuilder sb = new StringBuilder(16);
            while (true) {
                int c = in.read();
                if (c < 0) {
                    throw new EOFException("connection closed inside the chunked framing");
                }
                if (c == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                if (sb.length() >= MAX_CHUNK_LINE) {
                    throw new IOException("chunk size line longer than " + MAX_CHUNK_LINE + " bytes");
                }
                sb.append((char) c);
            }
        }
    }

    /** The request head: method, target, Host, and the caller's fields; US-ASCII (fields were checked for it). */
    static byte[] requestHead(String method, String target, String host, List<String[]> fields, int bodyLength) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(host).append("\r\n");
        boolean agent = false;
        for (String[] f : fields) {
            agent |= f[0].equalsIgnoreCase("user-agent");
            sb.append(f[0]).append(": ").append(f[1]).append("\r\n");
        }
        if (!agent) {
            sb.append("User-Agent: vigil\r\n");
        }
        if (bodyLength > 0 || !"GET".equals(method) && !"HEAD".equals(method)) {
            sb.append("Content-Length: ").append(bodyLength).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
