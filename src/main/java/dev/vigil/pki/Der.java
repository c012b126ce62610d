package dev.vigil.pki;

import java.io.ByteArrayOutputStream;

/** The few DER encodings and decodings the key readers need (lengths, sequences, the tag of an element). */
public final class Der {
    public static final int SEQUENCE = 0x30;
    public static final int INTEGER = 0x02;
    public static final int OCTET_STRING = 0x04;
    public static final int OID = 0x06;
    public static final int NULL = 0x05;

    private Der() {
    }

    public static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A cursor over consecutive DER elements of a byte range. */
    public static final class Reader {
        private final byte[] data;
        private int pos;
        private final int end;

        public Reader(byte[] data) {
            this(data, 0, data.length);
        }

        public Reader(byte[] data, int from, int to) {
            this.data = data;
            this.pos = from;
            this.end = to;
        }

        public boolean hasMore() {
            return pos < end;
        }

        public int peekTag() {
            need(1);
            return data[pos] & 0xff;
        }

        /** The next element: returns a reader over its content and advances past it. */
        public Element next() {
            need(2);
            int tag = data[pos++] & 0xff;
            int len = data[pos++] & 0xff;
            if (len >= 0x80) {
                int n = len & 0x7f;
                if (n == 0 || n > 3) {
                    throw new IllegalArgumentException("unsupported DER length");
                }
                need(n);
                len = 0;
                for (int i = 0; i < n; i++) {
                    len = (len << 8) | (data[pos++] & 0xff);
                }
            }
            need(len);
            Element e = new Element(tag, data, pos, pos + len);
            pos += len;
            return e;
        }

        private void need(int n) {
            if (pos + n > end) {
                throw new IllegalArgumentException("truncated DER");
            }
        }
    }

    public record Element(int tag, byte[] data, int from, int to) {
        public Reader content() {
            return new Reader(data, from, to);
        }

        public byte[] bytes() {
            return java.util.Arrays.copyOfRange(data, from, to);
        }

        /** The whole element, tag and length included. */
        public byte[] encoded() {
            return tlv(tag, bytes());
        }
    }
}
