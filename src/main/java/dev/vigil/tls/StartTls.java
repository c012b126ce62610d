package dev.vigil.tls;

import dev.vigil.net.Reasons;
import dev.vigil.pki.Der;
import dev.vigil.probe.Deadline;
import dev.vigil.probe.ProbeFailure;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The plain-text exchange that upgrades a connection to TLS. Every dialect reads byte by byte (so no TLS byte is
 * swallowed), at most {@link #MAX_BYTES} in all, each read bounded by the deadline. Reasons: {@code starttls_rejected}
 * (the server said no), {@code protocol_error} (an answer that is not the dialect), {@code starttls_timeout}.
 */
final class StartTls {
    static final List<String> DIALECTS = List.of("none", "smtp", "imap", "pop3", "ftp", "ldap", "postgres", "mysql", "xmpp");
    static final int MAX_BYTES = 16 * 1024;
    static final int MAX_LINE = 2048;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Deadline deadline;
    private final String dialect;
    private int read;

    StartTls(Socket socket, Deadline deadline, String dialect) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.deadline = deadline;
        this.dialect = dialect;
    }

    /** Runs the dialect; on return the next byte on the wire belongs to the TLS handshake. */
    void upgrade(String domain) throws ProbeFailure {
        try {
            switch (dialect) {
                case "smtp" -> smtp();
                case "imap" -> imap();
                case "pop3" -> pop3();
                case "ftp" -> ftp();
                case "ldap" -> ldap();
                case "postgres" -> postgres();
                case "mysql" -> mysql();
                case "xmpp" -> xmpp(domain);
                default -> {
                }
            }
        } catch (SocketTimeoutException e) {
            throw new ProbeFailure("starttls_timeout", dialect + " STARTTLS: no complete answer within the timeout");
        } catch (EOFException e) {
            throw new ProbeFailure("starttls_rejected", dialect + " STARTTLS: the server closed the connection");
        } catch (IOException e) {
            if (deadline.expired()) {
                // the probe's alarm closed the connection at the deadline
                throw new ProbeFailure("starttls_timeout", dialect + " STARTTLS: no complete answer within the timeout");
            }
            throw new ProbeFailure("starttls_rejected", dialect + " STARTTLS: " + e.getMessage());
        }
    }

    private void smtp() throws IOException, ProbeFailure {
        expectCode(readReply(), "220", "greeting");
        send("EHLO vigil.invalid\r\n");
        expectCode(readReply(), "250", "EHLO");
        send("STARTTLS\r\n");
        expectCode(readReply(), "220", "STARTTLS");
    }

    private void ftp() throws IOException, ProbeFailure {
        expectCode(readReply(), "220", "greeting");
        send("AUTH TLS\r\n");
        expectCode(readReply(), "234", "AUTH TLS");
    }

    /** A reply of numbered lines, "250-..." continued until "250 ...". Returns the lines. */
    private List<String> readReply() throws IOException, ProbeFailure {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                || !Character.isDigit(line.charAt(2))) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, dialect + ": expected a numbered reply, got \"" + printable(line) + "\"");
            }
            lines.add(line);
            if (line.length() == 3 || line.charAt(3) != '-') {
                return lines;
            }
        }
    }

    private void expectCode(List<String> reply, String code, String step) throws ProbeFailure {
        String last = reply.get(reply.size() - 1);
        if (!last.startsWith(code)) {
            throw new ProbeFailure("starttls_rejected", dialect + " " + step + ": the server answered \"" + printable(last) + "\"");
        }
    }

    private void imap() throws IOException, ProbeFailure {
        String greeting = readLine();
        if (!greeting.startsWith("* OK") && !greeting.startsWith("* PREAUTH")) {
            throw new ProbeFailure(greeting.startsWith("* ") ? "starttls_rejected" : "protocol_error",
                "imap: unexpected greeting \"" + printable(greeting) + "\"");
        }
        send("v1 STARTTLS\r\n");
        while (true) {
            String line = readLine();
            if (line.startsWith("* ")) {
                continue;
            }
            if (line.startsWith("v1 OK")) {
                return;
            }
            if (line.startsWith("v1 NO") || line.startsWith("v1 BAD")) {
                throw new ProbeFailure("starttls_rejected", "imap STARTTLS: \"" + printable(line) + "\"");
            }
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "imap: unexpected line \"" + printable(line) + "\"");
        }
    }

    private void pop3() throws IOException, ProbeFailure {
        String greeting = readLine();
        if (!greeting.startsWith("+OK")) {
            throw new ProbeFailure(greeting.startsWith("-ERR") ? "starttls_rejected" : "protocol_error",
                "pop3: unexpected greeting \"" + printable(greeting) + "\"");
        }
        send("STLS\r\n");
        String answer = readLine();
        if (answer.startsWith("+OK")) {
            return;
        }
        throw new ProbeFailure(answer.startsWith("-ERR") ? "starttls_rejected" : "protocol_error",
            "pop3 STLS: \"" + printable(answer) + "\"");
    }

    /** RFC 4511 ExtendedRequest 1.3.6.1.4.1.1466.20037, message id 1; the ExtendedResponse's resultCode must be 0. */
    private void ldap() throws IOException, ProbeFailure {
        byte[] oid = "1.3.6.1.4.1.1466.20037".getBytes(StandardCharsets.US_ASCII);
        byte[] request = Der.tlv(0x30, Der.concat(Der.tlv(0x02, new byte[] {1}),
            Der.tlv(0x77, Der.tlv(0x80, oid))));
        send(request);
        byte[] message = readBerElement();
        try {
            Der.Reader msg = new Der.Reader(message).next().content();
            msg.next(); // message id
            Der.Element op = msg.next();
            if (op.tag() != 0x78) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: expected an ExtendedResponse, got tag 0x"
                    + Integer.toHexString(op.tag()));
            }
            Der.Element result = op.content().next();
            byte[] code = result.bytes();
            if (result.tag() != 0x0a || code.length == 0) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: malformed ExtendedResponse");
            }
            int resultCode = code[code.length - 1] & 0xff;
            if (resultCode != 0 || code.length > 1) {
                throw new ProbeFailure("starttls_rejected", "ldap StartTLS: result code " + resultCode);
            }
        } catch (IllegalArgumentException e) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: malformed answer (" + e.getMessage() + ")");
        }
    }

    /** One BER element with a definite length, bounded. */
    private byte[] readBerElement() throws IOException, ProbeFailure {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int tag = readByte();
        buf.write(tag);
        if (tag != 0x30) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: the answer is not an LDAPMessage");
        }
        int first = readByte();
        buf.write(first);
        int length = first;
        if (first >= 0x80) {
            int n = first & 0x7f;
            if (n == 0 || n > 3) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: unsupported length encoding");
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                int b = readByte();
                buf.write(b);
                length = (length << 8) | b;
            }
        }
        if (length > MAX_BYTES) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "ldap: answer of " + length + " bytes is too long");
        }
        for (int i = 0; i < length; i++) {
            buf.write(readByte());
        }
        return buf.toByteArray();
    }

    /** SSLRequest (length 8, code 80877103); the server answers one byte: S (go on with TLS) or N. */
    private void postgres() throws IOException, ProbeFailure {
        send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
        int answer = readByte();
        if (answer == 'S') {
            return;
        }
        if (answer == 'N') {
            throw new ProbeFailure("starttls_rejected", "postgres: the server does not accept SSL (ssl = off)");
        }
        throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "postgres: unexpected answer 0x" + Integer.toHexString(answer)
            + " to SSLRequest");
    }

    private static final int CLIENT_LONG_PASSWORD = 0x1;
    private static final int CLIENT_PROTOCOL_41 = 0x200;
    private static final int CLIENT_SSL = 0x800;
    private static final int CLIENT_SECURE_CONNECTION = 0x8000;

    /** Initial handshake packet (protocol 10, CLIENT_SSL), then an SSLRequest packet. */
    private void mysql() throws IOException, ProbeFailure {
        int length = readByte() | readByte() << 8 | readByte() << 16;
        readByte(); // sequence id
        if (length < 1 || length > MAX_BYTES) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "mysql: greeting of " + length + " bytes");
        }
        byte[] payload = new byte[length];
        for (int i = 0; i < length; i++) {
            payload[i] = (byte) readByte();
        }
        if ((payload[0] & 0xff) == 0xff) {
            throw new ProbeFailure("starttls_rejected", "mysql: the server sent an error instead of a greeting");
        }
        if (payload[0] != 10) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "mysql: unsupported protocol version " + (payload[0] & 0xff));
        }
        int p = 1;
        while (p < length && payload[p] != 0) {
            p++;
        }
        p += 1 + 4 + 8 + 1; // NUL, connection id, auth data part 1, filler
        if (p + 2 > length) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "mysql: truncated greeting");
        }
        int capabilities = (payload[p] & 0xff) | (payload[p + 1] & 0xff) << 8;
        if ((capabilities & CLIENT_SSL) == 0) {
            throw new ProbeFailure("starttls_rejected", "mysql: the server does not offer TLS (CLIENT_SSL not set)");
        }
        byte[] request = new byte[4 + 32];
        request[0] = 32;
        request[3] = 1; // sequence id
        int flags = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION;
        request[4] = (byte) flags;
        request[5] = (byte) (flags >> 8);
        request[6] = (byte) (flags >> 16);
        request[7] = (byte) (flags >> 24);
        request[11] = 1; // max packet size 16 MiB
        request[12] = 45; // utf8mb4_general_ci
        send(request);
    }

    private void xmpp(String domain) throws IOException, ProbeFailure {
        send("<?xml version='1.0'?><stream:stream to='" + domain.replace("'", "")
            + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
        String features = readUntil("</stream:features>", "<stream:error", "</stream:stream>");
        if (!features.contains("</stream:features>")) {
            throw new ProbeFailure("starttls_rejected", "xmpp: the server ended the stream before its features");
        }
        if (!features.contains("<starttls")) {
            throw new ProbeFailure("starttls_rejected", "xmpp: the server does not offer STARTTLS");
        }
        send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        String answer = readUntil("<proceed", "<failure", "</stream:stream>");
        if (answer.contains("<proceed")) {
            while (readByte() != '>') {
                // rest of the <proceed .../> element
            }
            return;
        }
        throw new ProbeFailure("starttls_rejected", "xmpp: the server refused STARTTLS");
    }

    /** Reads XML until one of the markers; the first character that is not white space must open a tag. */
    private String readUntil(String... markers) throws IOException, ProbeFailure {
        StringBuilder sb = new StringBuilder();
        boolean started = false;
        while (true) {
            char c = (char) readByte();
            sb.append(c);
            if (!started && !Character.isWhitespace(c)) {
                if (c != '<') {
                    throw new ProbeFailure(Reasons.PROTOCOL_ERROR, "xmpp: the answer is not XML");
                }
                started = true;
            }
            for (String m : markers) {
                if (sb.length() >= m.length() && sb.indexOf(m, sb.length() - m.length()) >= 0) {
                    return sb.toString();
                }
            }
        }
    }

    private String readLine() throws IOException, ProbeFailure {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = readByte();
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
            if (line.size() > MAX_LINE) {
                throw new ProbeFailure(Reasons.PROTOCOL_ERROR, dialect + ": line longer than " + MAX_LINE + " bytes");
            }
        }
    }

    private int readByte() throws IOException, ProbeFailure {
        if (++read > MAX_BYTES) {
            throw new ProbeFailure(Reasons.PROTOCOL_ERROR, dialect + ": more than " + MAX_BYTES + " bytes before TLS");
        }
        if (deadline.expired()) {
            throw new SocketTimeoutException("deadline");
        }
        socket.setSoTimeout(deadline.remainingMillis());
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.US_ASCII));
    }

    private void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    private static String printable(String s) {
        String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
